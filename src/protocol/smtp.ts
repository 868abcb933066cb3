import { dotStuffLine, MessageEncoder } from '../framing/dot-stuffing.js';
import { lineText, type ServerLine } from '../framing/line-reader.js';
import { unexpected, type AdapterEvent, type LineLimit, type LineView, type MessageData, type Prepared, type ProtocolAdapter, type Reply, type Unfinished } from './adapter.js';
import { commandLine, rawBytes, type Outgoing } from './outgoing.js';
import { commandWords, isExtensionVerb, verbAt } from './command-words.js';
import { credentialCommand, markCredential } from './credentials.js';
import { parseEhloCapabilities, parseSmtpReplyLine, smtpReplyClass } from './smtp-reply.js';
import { keptCapabilities } from './kept-words.js';
import { SaslExchange, challengeSeen, saslResponse } from './sasl-continuation.js';
import { unknownCommandHint } from './command-hint.js';
import { ReplyLines } from './reply-lines.js';

/** SMTP and LMTP verbs (RFC 5321 §4.1, 3207, 4954, 3030, 2033). */
const SMTP_VERBS: readonly string[] = ['EHLO', 'HELO', 'LHLO', 'MAIL FROM:', 'RCPT TO:', 'DATA', 'BDAT', 'RSET', 'NOOP', 'QUIT', 'VRFY', 'EXPN', 'HELP', 'STARTTLS', 'AUTH'];

/** Every verb mailsh knows, for telling a typo (ELHO) from a command; X… extensions count too. */
const KNOWN_VERBS: ReadonlySet<string> = new Set([...SMTP_VERBS.map((v) => v.split(' ')[0]), 'ETRN', 'BURL', 'ATRN', 'TURN', 'SEND', 'SOML', 'SAML', 'VERB', 'ONEX']);

/** What the next typed line is: a command, message text, or a SASL response. */
export type SmtpMode = 'command' | 'data' | 'sasl';

/** Verbs whose reply decides how the following input is read (a SASL response is an `AUTH`). */
const DECIDING_VERBS = new Set(['DATA', 'AUTH', 'STARTTLS', 'BDAT']);

const IN_DATA: Unfinished = { state: 'inside DATA', finish: 'a line with "." alone sends the message', lost: 'the message was not sent' };

/**
 * RFC 2920 §3.1: RSET, MAIL and RCPT may appear anywhere in a command group;
 * any other command (EHLO, DATA, AUTH, QUIT…) ends the group.
 */
const GROUPABLE_VERBS = new Set(['MAIL', 'RCPT', 'RSET']);

/** A reply due: to `verb`; for RCPT the recipient it names; for `.` and BDAT whether the message ends there. */
interface Due {
  verb: string;
  recipient?: string;
  ends?: boolean;
}

/** `RCPT TO:<bob@example.org> NOTIFY=NEVER` → `<bob@example.org>`. */
function recipientOf(line: string): string | undefined {
  return /^RCPT\s+TO:\s*(<[^>]*>|\S+)/i.exec(line)?.[1];
}

/**
 * SMTP, Submission and LMTP (RFC 5321, 6409, 2033): groups multi-line replies,
 * matches them to commands in order (which also covers pipelining), learns
 * EHLO/LHLO capabilities, and tracks DATA and SASL modes.
 */
export class SmtpAdapter implements ProtocolAdapter, MessageData {
  readonly protocol: 'smtp' | 'lmtp';
  readonly literals = false;
  private mode: SmtpMode = 'command';
  /** Replies due, oldest first; the greeting is the first. */
  private readonly awaiting: Due[] = [{ verb: '<greeting>' }];
  /** LMTP: the recipients the server accepted in this transaction, in order (RFC 2033 §4.2). */
  private accepted: (string | undefined)[] = [];
  /** LMTP: the per-recipient replies after the message's end so far. */
  private perRecipient: Reply[] = [];
  private readonly replyLines: ReplyLines;
  /** How many of `awaiting` end a pipelined group: a count, so `--pipeline` stays linear. */
  private ungrouped = 1;
  /** How many of `awaiting` decide the next line's meaning (DECIDING_VERBS). */
  private decisions = 0;
  /** The SASL exchange typed, while one is under way. */
  private sasl: SaslExchange | undefined;
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

  get deciding(): boolean {
    return this.decisions > 0;
  }

  get finishLine(): string | undefined {
    return this.mode === 'sasl' ? '*' : undefined;
  }

  get unfinished(): Unfinished | undefined {
    return this.mode === 'data' ? IN_DATA : undefined;
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

  prepare(line: string): Prepared {
    if (this.mode === 'data') {
      if (line === '.') {
        this.mode = 'command';
        this.expect('.');
        return { out: commandLine('.') };
      }
      return { out: commandLine(dotStuffLine(line)) };
    }
    if (this.mode === 'sasl') {
      // RFC 4954 §4: each line after a 334 is a SASL response, a secret.
      this.mode = 'command';
      this.expect('AUTH');
      this.sasl?.responded(line);
      return saslResponse(line);
    }
    // Read as servers read it: `\tauth plain …` is AUTH too.
    const words = commandWords(line, false);
    const verb = verbAt(words, 0);
    this.expect(verb, verb === 'RCPT' ? recipientOf(line) : undefined, verb === 'BDAT' && /\sLAST\s*$/i.test(line));
    if (verb === 'AUTH') this.sasl = new SaslExchange(words.length > 1 ? line.slice(words[1].start) : '');
    // `AUTH MECH initial-response`: the initial response is a secret.
    const known = KNOWN_VERBS.has(verb) || verb === '' || isExtensionVerb(verb);
    const hint = known ? undefined : unknownCommandHint(`an ${this.protocol.toUpperCase()}`, [verb], [...KNOWN_VERBS]);
    return { out: markCredential(line, credentialCommand('smtp', line)).out, hint };
  }

  /**
   * With PIPELINING offered, the next command joins the group while every
   * command awaiting a reply may be followed at once (RFC 2920 §3.1).
   */
  mayPipeline(): boolean {
    return this.caps.has('PIPELINING') && this.mode === 'command' && this.ungrouped === 0;
  }

  /** A reply to `verb` is due. */
  private expect(verb: string, recipient?: string, ends = verb === '.'): void {
    this.awaiting.push({ verb, recipient, ends });
    if (!GROUPABLE_VERBS.has(verb)) this.ungrouped++;
    if (DECIDING_VERBS.has(verb)) this.decisions++;
  }

  get messageData(): MessageData {
    return this;
  }

  get atCommand(): boolean {
    return this.mode === 'command';
  }

  get inData(): boolean {
    return this.mode === 'data';
  }

  get chunking(): boolean {
    return this.caps.has('CHUNKING');
  }

  messageEncoder(): MessageEncoder {
    // BDAT carries the message as it is (RFC 3030 §2): no dot-stuffing.
    return new MessageEncoder(!this.chunking);
  }

  /**
   * `/send`'s message bytes: inside DATA (after its 354), or with CHUNKING
   * as one `BDAT n [LAST]` chunk from the command mode. A reply to the "."
   * or the BDAT is then due, and input is commands again.
   */
  prepareData(bytes: Buffer, end: boolean, encoder: MessageEncoder): { command?: Outgoing; data: Outgoing } {
    const chunk = end ? Buffer.concat([bytes, encoder.end()]) : bytes;
    const data = rawBytes(chunk);
    if (this.chunking && this.mode === 'command') {
      this.expect('BDAT', undefined, end);
      return { command: commandLine(`BDAT ${chunk.length}${end ? ' LAST' : ''}`), data };
    }
    if (this.mode !== 'data') throw new Error('message data outside DATA');
    if (end) {
      this.mode = 'command';
      this.expect('.');
    }
    return { data };
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
    const recipient = events.find((e) => e.type === 'reply')?.reply.recipient;
    if (recipient !== undefined) view.annotation = `for ${recipient}`;
    if (parsed.code === '334' && this.mode === 'sasl') {
      const challenge = challengeSeen(parsed.text);
      view.annotation = challenge.annotation;
      events.push(challenge.event);
    }
    return { view, events };
  }

  private complete(code: string, lines: string[], cls: Reply['cls']): AdapterEvent[] {
    const due = this.awaiting[0];
    const command = due?.verb;
    const reply: Reply = { status: code, cls, lines, command };
    // RFC 2033 §4.2: after the message, one reply per accepted recipient;
    // the message's end stays due until the last of them.
    const perRecipient = this.protocol === 'lmtp' && due?.ends === true;
    if (perRecipient) {
      reply.recipient = this.accepted.shift();
      this.perRecipient.push(reply);
    }
    if (!perRecipient || this.accepted.length === 0) {
      this.awaiting.shift();
      if (command !== undefined && !GROUPABLE_VERBS.has(command)) this.ungrouped--;
      if (command !== undefined && DECIDING_VERBS.has(command)) this.decisions--;
    }
    const events: AdapterEvent[] = [{ type: 'reply', reply }];
    if (command === undefined) events.unshift(unexpected('a reply while no command was waiting for one'));
    if (perRecipient && this.accepted.length === 0) {
      reply.group = this.perRecipient;
      this.perRecipient = [];
    }
    switch (command) {
      case 'EHLO':
      case 'LHLO':
        if (cls === 'ok') this.caps = keptCapabilities(parseEhloCapabilities(lines));
        this.accepted = [];
        break;
      case 'MAIL':
      case 'RSET':
        // A new transaction: no recipient yet.
        this.accepted = [];
        break;
      case 'RCPT':
        if (cls === 'ok') this.accepted.push(due.recipient);
        break;
      case 'DATA':
        // Any other reply: the message typed after DATA is not to be read as commands.
        if (code === '354') this.mode = 'data';
        else events.push({ type: 'refused', command, data: { kind: 'message' } });
        break;
      case 'AUTH':
        if (code === '334') this.mode = 'sasl';
        else {
          if (cls === 'fail' || cls === 'temp') events.push(...(this.sasl?.refused(command) ?? []));
          this.sasl = undefined;
        }
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
