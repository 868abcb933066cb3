import { dotStuffLine } from '../framing/dot-stuffing.js';
import { lineText, type ServerLine } from '../framing/line-reader.js';
import { unexpected, type AdapterEvent, type LineLimit, type LineView, type Prepared, type ProtocolAdapter, type Reply } from './adapter.js';
import { commandLine, secretAfterWords } from './outgoing.js';
import { parseEhloCapabilities, parseSmtpReplyLine, smtpReplyClass } from './smtp-reply.js';
import { unknownCommandHint } from './command-hint.js';
import { challengeSeen, saslResponse } from './sasl-continuation.js';
import { ReplyLines } from './reply-lines.js';

/** SMTP and LMTP verbs (RFC 5321 §4.1, 3207, 4954, 3030, 2033). */
const SMTP_VERBS: readonly string[] = ['EHLO', 'HELO', 'LHLO', 'MAIL FROM:', 'RCPT TO:', 'DATA', 'BDAT', 'RSET', 'NOOP', 'QUIT', 'VRFY', 'EXPN', 'HELP', 'STARTTLS', 'AUTH'];

/** Every verb mailsh knows, for telling a typo (ELHO) from a command; X… extensions count too. */
const KNOWN_VERBS: ReadonlySet<string> = new Set([...SMTP_VERBS.map((v) => v.split(' ')[0]), 'ETRN', 'BURL', 'ATRN', 'TURN', 'SEND', 'SOML', 'SAML', 'VERB', 'ONEX']);

/** What the next typed line is: a command, message text, or a SASL response. */
export type SmtpMode = 'command' | 'data' | 'sasl';

/** Verbs whose reply changes how the following input is read. */
const BLOCKING_VERBS = new Set(['DATA', 'AUTH', 'STARTTLS', 'BDAT']);

/**
 * RFC 2920 §3.1: RSET, MAIL and RCPT may appear anywhere in a command group;
 * any other command (EHLO, DATA, AUTH, QUIT…) ends the group.
 */
const GROUPABLE_VERBS = new Set(['MAIL', 'RCPT', 'RSET']);

/**
 * SMTP, Submission and LMTP (RFC 5321, 6409, 2033): groups multi-line replies,
 * matches them to commands in order (which also covers pipelining), learns
 * EHLO/LHLO capabilities, and tracks DATA and SASL modes.
 */
export class SmtpAdapter implements ProtocolAdapter {
  readonly protocol: 'smtp' | 'lmtp';
  readonly literals = false;
  private mode: SmtpMode = 'command';
  /** Verbs awaiting a reply, oldest first; the greeting is the first. */
  private readonly awaiting: string[] = ['<greeting>'];
  private readonly replyLines: ReplyLines;
  /** How many of `awaiting` end a pipelined group: a count, so `--pipeline` stays linear. */
  private ungrouped = 1;
  private caps = new Map<string, string[]>();

  /** `maxReplyLines`: the longest multi-line reply held (`250-` forever is an error). */
  constructor(protocol: 'smtp' | 'lmtp' = 'smtp', maxReplyLines?: number) {
    this.protocol = protocol;
    this.replyLines = new ReplyLines(maxReplyLines);
  }

  get pending(): number {
    return this.awaiting.length;
  }

  get promptState(): string {
    if (this.mode === 'data') return 'data';
    if (this.mode === 'sasl') return 'auth';
    return '';
  }

  get metaAllowed(): boolean {
    return this.mode !== 'data';
  }

  get awaitingInput(): boolean {
    return this.mode === 'sasl';
  }

  get lineLimit(): LineLimit | undefined {
    // RFC 5321 §4.5.3.1.4 (command line) and §4.5.3.1.6 (text line); a SASL
    // response may be longer (RFC 4954 §4).
    if (this.mode === 'command') return { bytes: 512, rule: "SMTP's 512-byte command line limit (RFC 5321 §4.5.3.1.4)" };
    if (this.mode === 'data') return { bytes: 1000, rule: "SMTP's 1000-byte text line limit (RFC 5321 §4.5.3.1.6)" };
    return undefined;
  }

  get capabilities(): ReadonlyMap<string, readonly string[]> {
    return this.caps;
  }

  /** The current input mode (DATA text, SASL response, or commands). */
  get inputMode(): SmtpMode {
    return this.mode;
  }

  prepare(line: string): Prepared {
    if (this.mode === 'data') {
      if (line === '.') {
        this.mode = 'command';
        this.expect('.');
        return { out: commandLine('.'), blocking: false };
      }
      return { out: commandLine(dotStuffLine(line)), blocking: false };
    }
    if (this.mode === 'sasl') {
      // RFC 4954 §4: each line after a 334 is a SASL response, a secret.
      this.mode = 'command';
      this.expect('AUTH');
      return saslResponse(line);
    }
    const verb = (/^\S*/.exec(line)?.[0] ?? '').toUpperCase();
    this.expect(verb);
    const known = KNOWN_VERBS.has(verb) || verb === '' || /^X[A-Z0-9-]+$/.test(verb);
    const hint = known ? undefined : unknownCommandHint(`an ${this.protocol.toUpperCase()}`, [verb], [...KNOWN_VERBS]);
    return { out: this.commandOut(verb, line), blocking: BLOCKING_VERBS.has(verb), hint };
  }

  /**
   * With PIPELINING offered, the next command joins the group while every
   * command awaiting a reply may be followed at once (RFC 2920 §3.1).
   */
  mayPipeline(): boolean {
    return this.caps.has('PIPELINING') && this.mode === 'command' && this.ungrouped === 0;
  }

  /** A reply to `verb` is due. */
  private expect(verb: string): void {
    this.awaiting.push(verb);
    if (!GROUPABLE_VERBS.has(verb)) this.ungrouped++;
  }

  /**
   * `/send` wrote message bytes itself (DATA body and its ".", or a BDAT
   * chunk): a reply to `verb` is now due, and input is commands again.
   */
  dataSent(verb: '.' | 'BDAT'): void {
    this.mode = 'command';
    this.expect(verb);
  }

  /** `AUTH MECH initial-response`: the initial response is a secret. */
  private commandOut(verb: string, line: string) {
    return verb === 'AUTH' ? secretAfterWords(line, 2) : commandLine(line);
  }

  receive(line: ServerLine): { view: LineView; events: AdapterEvent[] } {
    const text = lineText(line);
    const parsed = parseSmtpReplyLine(text);
    if (!parsed) {
      const events = this.complete('', [text], 'fail');
      events.unshift({ type: 'notice', level: 'warn', text: 'malformed reply line: no three-digit reply code' });
      return { view: { cls: 'fail' }, events };
    }
    const cls = smtpReplyClass(parsed.code);
    this.replyLines.push(parsed.text);
    if (parsed.more) return { view: { cls }, events: [] };
    const view: LineView = { cls };
    const events = this.complete(parsed.code, this.replyLines.take(), cls);
    if (parsed.code === '334' && this.mode === 'sasl') {
      const challenge = challengeSeen(parsed.text);
      view.annotation = challenge.annotation;
      events.push(challenge.event);
    }
    return { view, events };
  }

  private complete(code: string, lines: string[], cls: Reply['cls']): AdapterEvent[] {
    const command = this.awaiting.shift();
    if (command !== undefined && !GROUPABLE_VERBS.has(command)) this.ungrouped--;
    const reply: Reply = { status: code, cls, lines, command };
    const events: AdapterEvent[] = [{ type: 'reply', reply }];
    if (command === undefined) events.unshift(unexpected('a reply while no command was waiting for one'));
    switch (command) {
      case 'EHLO':
      case 'LHLO':
        if (cls === 'ok') this.caps = parseEhloCapabilities(lines);
        break;
      case 'DATA':
        if (code === '354') this.mode = 'data';
        break;
      case 'AUTH':
        if (code === '334') this.mode = 'sasl';
        break;
      case 'STARTTLS':
        if (code === '220') events.push({ type: 'starttls' });
        break;
    }
    return events;
  }

  startTlsCommands(helloName: string): string[] {
    return [`${this.protocol === 'lmtp' ? 'LHLO' : 'EHLO'} ${helloName}`, 'STARTTLS'];
  }

  get mechanisms(): readonly string[] {
    return this.caps.get('AUTH') ?? [];
  }

  completionWords(before: readonly string[]): readonly string[] {
    if (before.length === 0) return SMTP_VERBS;
    return before.length === 1 && before[0].toUpperCase() === 'AUTH' ? this.mechanisms : [];
  }

  quitCommand(): string {
    return 'QUIT';
  }

  tlsStarted(): AdapterEvent[] {
    this.caps = new Map();
    const hello = this.protocol === 'lmtp' ? 'LHLO' : 'EHLO';
    return [{ type: 'notice', level: 'info', text: `TLS is on: capabilities from before were dropped; send ${hello} again` }];
  }
}
