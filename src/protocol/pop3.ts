import { dotUnstuffLine } from '../framing/dot-stuffing.js';
import { lineText, type ServerLine } from '../framing/line-reader.js';
import { unexpected, type AdapterEvent, type LineLimit, type LineView, type Prepared, type ProtocolAdapter, type ReplyClass } from './adapter.js';
import { commandWords, isExtensionVerb, verbAt } from './command-words.js';
import { credentialCommand, markCredential } from './credentials.js';
import { keptCapabilities } from './kept-words.js';
import { SaslExchange, challengeSeen, saslResponse } from './sasl-continuation.js';
import { unknownCommandHint } from './command-hint.js';
import { ReplyLines } from './reply-lines.js';

type Pop3Mode = 'command' | 'sasl';

const DOT = 0x2e;

interface Awaiting {
  verb: string;
  /** Whether a positive answer is followed by lines up to a lone "." (RFC 1939 §3). */
  multiline: boolean;
}

/** Commands whose reply decides how the next line is read (a SASL response is an `AUTH`). */
const DECIDING_VERBS = new Set(['AUTH', 'STLS']);

/**
 * The RESP-CODE of a status line (RFC 2449 §8): `-ERR [IN-USE] locked` →
 * `IN-USE`; hierarchical codes keep their slash (`SYS/TEMP`).
 */
export function pop3RespCode(text: string): string | undefined {
  return /^(?:\+OK|-ERR) \[([A-Za-z0-9/-]+)\]/.exec(text)?.[1].toUpperCase();
}

/** POP3 verbs (RFC 1939, 2449, 2595, 5034). */
const POP3_VERBS: readonly string[] = ['USER', 'PASS', 'APOP', 'AUTH', 'STAT', 'LIST', 'RETR', 'DELE', 'NOOP', 'RSET', 'QUIT', 'TOP', 'UIDL', 'CAPA', 'STLS'];

/**
 * Which commands answer with a multi-line response (RFC 1939, RFC 2449).
 * `AUTH` alone lists the mechanisms, one per line, in Dovecot and other
 * servers that follow the pre-RFC 5034 draft (RFC 1734 has no list).
 */
function isMultiline(verb: string, args: readonly unknown[]): boolean {
  switch (verb) {
    case 'CAPA':
    case 'RETR':
    case 'TOP':
      return true;
    case 'LIST':
    case 'UIDL':
    case 'AUTH':
      return args.length === 0;
    default:
      return false;
  }
}

/** Commands whose outcome the next command depends on: the client waits for them. */
const POP3_BARRIERS = new Set(['<greeting>', 'STLS', 'AUTH', 'QUIT']);

/**
 * POP3 (RFC 1939, 2449, 5034): `+OK`/`-ERR` status lines, multi-line
 * responses read to the terminating ".", STLS, and AUTH continuations.
 */
export class Pop3Adapter implements ProtocolAdapter {
  readonly protocol = 'pop3';
  readonly literals = false;
  private mode: Pop3Mode = 'command';
  private readonly awaiting: Awaiting[] = [{ verb: '<greeting>', multiline: false }];
  /**
   * Inside a multi-line body, up to the lone ".". Only a CAPA body is kept
   * (its lines are the capabilities); a RETR of any size streams past.
   */
  private body: { status: string; first: string; verb: string; lines?: ReplyLines } | undefined;
  private caps = new Map<string, string[]>();
  /** How many of `awaiting` decide the next line's meaning (DECIDING_VERBS). */
  private decisions = 0;
  /** The SASL exchange typed, while one is under way. */
  private sasl: SaslExchange | undefined;

  /** `maxReplyLines`: the longest CAPA response held. */
  constructor(private readonly maxReplyLines?: number) {}

  get pending(): number {
    return this.awaiting.length + (this.body ? 1 : 0);
  }

  get streaming(): boolean {
    return this.body?.verb === 'RETR' || this.body?.verb === 'TOP';
  }

  get promptState(): string {
    return this.mode === 'sasl' ? 'auth' : '';
  }

  readonly metaAllowed = true;

  get awaitingInput(): boolean {
    return this.mode === 'sasl';
  }

  get deciding(): boolean {
    return this.decisions > 0;
  }

  get finishLine(): string | undefined {
    return this.mode === 'sasl' ? '*' : undefined;
  }

  readonly unfinished = undefined;

  get lineLimit(): LineLimit | undefined {
    // RFC 2449 §4: a command is at most 255 octets with its CRLF.
    return this.mode === 'command' ? { bytes: 255, rule: "POP3's 255-byte command limit (RFC 2449 §4)" } : undefined;
  }

  get capabilities(): ReadonlyMap<string, readonly string[]> {
    return this.caps;
  }

  prepare(line: string): Prepared {
    if (this.mode === 'sasl') {
      this.mode = 'command';
      this.expect('AUTH', false);
      this.sasl?.responded(line);
      return saslResponse(line);
    }
    const words = commandWords(line, false);
    const verb = verbAt(words, 0);
    this.expect(verb, isMultiline(verb, words.slice(1)));
    if (verb === 'AUTH' && words.length > 1) this.sasl = new SaslExchange(line.slice(words[1].start));
    // USER, PASS, APOP and AUTH carry credentials (SPEC §9): the user name of
    // APOP and the mechanism of AUTH stay readable.
    const hint = POP3_VERBS.includes(verb) || verb === '' || isExtensionVerb(verb) ? undefined : unknownCommandHint('a POP3', [words[0].text], POP3_VERBS);
    return { out: markCredential(line, credentialCommand('pop3', line)).out, hint };
  }

  private expect(verb: string, multiline: boolean): void {
    this.awaiting.push({ verb, multiline });
    if (DECIDING_VERBS.has(verb)) this.decisions++;
  }

  /**
   * RFC 2449 §6.6: with PIPELINING in CAPA, commands may be sent without
   * waiting, except after the greeting, STLS, AUTH and QUIT.
   */
  mayPipeline(): boolean {
    return this.caps.has('PIPELINING') && this.mode === 'command' && this.awaiting.every((a) => !POP3_BARRIERS.has(a.verb));
  }

  receive(line: ServerLine): { view: LineView; events: AdapterEvent[] } {
    const text = lineText(line);
    if (this.body) {
      if (text === '.') {
        const { status, first, verb } = this.body;
        const lines = [first, ...(this.body.lines?.take() ?? [])];
        this.body = undefined;
        if (verb === 'CAPA') this.learnCapabilities(lines);
        return { view: { cls: 'ok' }, events: [{ type: 'reply', reply: { status, cls: 'ok', lines, command: verb } }] };
      }
      this.body.lines?.push(dotUnstuffLine(text));
      // RFC 1939 §3: a leading "." was doubled on the wire; show the line as
      // the message has it (the transcript keeps the wire bytes).
      return { view: { cls: 'info', shown: line.bytes[0] === DOT ? line.bytes.subarray(1) : undefined }, events: [] };
    }
    const status = /^(\+OK|-ERR|\+)/.exec(text)?.[1];
    const cls: ReplyClass = status === '+OK' ? 'ok' : status === '-ERR' ? 'fail' : status === '+' ? 'more' : 'info';
    const view: LineView = { cls, alert: pop3RespCode(text) !== undefined };
    // RFC 5034 §4: a continuation only ever answers AUTH; any other is noise.
    if (status === '+' && this.awaiting[0]?.verb !== 'AUTH') return { view, events: [unexpected('a continuation (+) while no AUTH is under way')] };
    const awaiting = this.awaiting.shift();
    if (!awaiting) return { view, events: [unexpected('a reply while no command was waiting for one')] };
    const verb = awaiting.verb;
    if (DECIDING_VERBS.has(verb)) this.decisions--;
    if (status === '+') {
      this.mode = 'sasl';
      const challenge = challengeSeen(text.slice(1));
      view.annotation = challenge.annotation;
      return { view, events: [{ type: 'reply', reply: { status, cls, lines: [text], command: verb } }, challenge.event] };
    }
    if (status === '+OK' && awaiting.multiline) {
      this.body = { status, first: text, verb: awaiting.verb, lines: awaiting.verb === 'CAPA' ? new ReplyLines(this.maxReplyLines) : undefined };
      return { view, events: [] };
    }
    const events: AdapterEvent[] = [{ type: 'reply', reply: { status: status ?? '', cls, lines: [text], command: verb } }];
    if (verb === 'STLS' && status === '+OK') events.push({ type: 'starttls' });
    if (verb === 'AUTH') {
      if (cls === 'fail') events.push(...(this.sasl?.refused(verb) ?? []));
      this.sasl = undefined;
    }
    return { view, events };
  }

  private learnCapabilities(lines: string[]): void {
    const caps = new Map<string, string[]>();
    for (const line of lines.slice(1)) {
      const [keyword, ...params] = line.trim().split(/\s+/);
      if (keyword) caps.set(keyword.toUpperCase(), params);
    }
    this.caps = keptCapabilities(caps);
  }

  startTlsCommands(): string[] {
    return ['STLS'];
  }

  get mechanisms(): readonly string[] {
    return this.caps.get('SASL') ?? [];
  }

  completionWords(before: readonly string[]): readonly string[] {
    if (before.length === 0) return POP3_VERBS;
    return before.length === 1 && before[0].toUpperCase() === 'AUTH' ? this.mechanisms : [];
  }

  quitCommand(): string {
    return 'QUIT';
  }

  tlsStarted(): AdapterEvent[] {
    this.caps = new Map();
    return [];
  }
}
