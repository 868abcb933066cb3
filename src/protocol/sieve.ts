import { ProtocolError } from '../errors.js';
import { lineText, type LiteralChunk, type ServerLine } from '../framing/line-reader.js';
import type { AdapterEvent, LineView, Prepared, ProtocolAdapter, ReplyClass } from './adapter.js';
import { Secret, commandLine } from './outgoing.js';
import { commandWords, verbAt } from './command-words.js';
import { credentialCommand, markCredential } from './credentials.js';
import { KeptWords } from './kept-words.js';
import { SaslExchange, challengeSeen, saslResponse } from './sasl-continuation.js';
import { unknownCommandHint } from './command-hint.js';
import { TYPED_LITERAL_RE, TypedLiteralInput, typedLiteralStep } from './typed-literal.js';
import { ReplyLines } from './reply-lines.js';
import { ResponseText } from './response-text.js';

/**
 * What the next typed line is (DESIGN rule 6): a command, a SASL response,
 * bytes of a literal, or the rest of a command after one.
 */
type SieveMode = 'command' | 'sasl' | 'literal' | 'rest';

/**
 * The response code of an `OK`/`NO`/`BYE` line (RFC 5804 §1.3):
 * `NO (QUOTA/MAXSIZE) "too big"` → `QUOTA/MAXSIZE`.
 */
export function sieveResponseCode(text: string): string | undefined {
  return /^(?:OK|NO|BYE) \(([A-Za-z0-9/-]+)/i.exec(text)?.[1].toUpperCase();
}

const STATUS_RE = /^(OK|NO|BYE)\b/i;

/** Commands whose reply decides how the next line is read (a SASL response is an `AUTHENTICATE`). */
const DECIDING_VERBS = new Set(['AUTHENTICATE', 'STARTTLS']);

/** The longest SASL challenge held: far above any mechanism's (SCRAM's is ~100 bytes). */
const MAX_CHALLENGE = 64 * 1024;

/** The greeting, CAPABILITY, and the list a server re-announces after STARTTLS (RFC 5804 §2.2). */
const CAPABILITY_RESPONSES: ReadonlySet<string | undefined> = new Set(['<greeting>', 'CAPABILITY', '<capabilities>']);

/** ManageSieve commands (RFC 5804 §2). */
const SIEVE_VERBS: readonly string[] = ['AUTHENTICATE', 'STARTTLS', 'LOGOUT', 'CAPABILITY', 'HAVESPACE', 'PUTSCRIPT', 'LISTSCRIPTS', 'SETACTIVE', 'GETSCRIPT', 'DELETESCRIPT', 'RENAMESCRIPT', 'CHECKSCRIPT', 'NOOP', 'UNAUTHENTICATE'];

/**
 * ManageSieve (RFC 5804): untagged commands answered in order, each response
 * ending with an `OK`, `NO` or `BYE` line; the greeting and the response to
 * CAPABILITY are capability lines (`"SIEVE" "fileinto"`). After STARTTLS the
 * server sends its capabilities again (RFC 5804 §2.2).
 */
export class SieveAdapter extends TypedLiteralInput<SieveMode> implements ProtocolAdapter {
  readonly protocol = 'sieve';
  readonly literals = true;
  /** Inside a typed literal (a script) every line is data: no meta commands, no helpers. */
  get metaAllowed(): boolean {
    return this.mode !== 'literal';
  }

  /** RFC 5804 sets no line limit. */
  readonly lineLimit = undefined;
  protected mode: SieveMode = 'command';
  private readonly awaiting: string[] = ['<greeting>'];
  private readonly lines: ReplyLines;
  private caps = new Map<string, string[]>();
  private learned = new Map<string, string[]>();
  /** How many of `awaiting` decide the next line's meaning (DECIDING_VERBS). */
  private decisions = 0;
  /** The SASL exchange typed, while one is under way. */
  private sasl: SaslExchange | undefined;
  /** A SASL challenge coming as a literal (Cyrus timsieved): its bytes so far. */
  private challenge: Buffer[] | undefined;
  /** Literal contents of the response under way (GETSCRIPT), held for `/expect`. */
  private readonly literalText = new ResponseText();
  /** Some of a literal was left out of the response held for `/expect`. */
  private partial = false;
  private learnedBytes = new KeptWords();

  /** `maxReplyLines`: the longest response held before its `OK`/`NO`/`BYE`. */
  constructor(maxReplyLines?: number) {
    super();
    this.lines = new ReplyLines(maxReplyLines);
  }

  get pending(): number {
    return this.awaiting.length;
  }

  get promptState(): string {
    if (this.mode === 'literal') return `+${this.literal!.remaining}`;
    if (this.mode === 'rest') return '+';
    return this.mode === 'sasl' ? 'auth' : '';
  }

  get awaitingInput(): boolean {
    return this.mode !== 'command';
  }

  get deciding(): boolean {
    return this.decisions > 0;
  }

  /** RFC 5804 §2.1: the client cancels with the string "*". */
  get finishLine(): string | undefined {
    return this.mode === 'sasl' ? '"*"' : undefined;
  }


  get capabilities(): ReadonlyMap<string, readonly string[]> {
    return this.caps;
  }

  prepare(line: string): Prepared {
    if (this.mode === 'sasl') {
      this.mode = 'command';
      this.expect('AUTHENTICATE');
      this.sasl?.responded(line);
      return saslResponse(line);
    }
    // After a literal in AUTHENTICATE, the rest of it is the credential.
    const secret = this.awaiting.at(-1) === 'AUTHENTICATE';
    if (this.mode === 'literal') {
      const literal = this.literal!;
      const step = typedLiteralStep(literal, line, secret);
      const out = { pieces: step.pieces };
      if (literal.remaining > 0) return { out };
      this.literal = undefined;
      this.mode = step.rest === undefined ? 'rest' : 'command';
      this.startLiteral(step.rest ?? '', secret);
      return { out };
    }
    if (this.mode === 'rest') {
      this.mode = 'command';
      this.startLiteral(line, secret);
      return { out: commandLine(secret ? new Secret(line) : line) };
    }
    const words = commandWords(line, true);
    const verb = verbAt(words, 0);
    this.expect(verb);
    if (verb === 'AUTHENTICATE') this.sasl = new SaslExchange(words.length > 1 ? line.slice(words[1].start) : '');
    // AUTHENTICATE "PLAIN" "initial-response": the response is a secret,
    // typed as a string or as a literal.
    const marked = markCredential(line, credentialCommand('sieve', line));
    this.startLiteral(line, marked.literalSecret);
    const hint = SIEVE_VERBS.includes(verb) || verb === '' ? undefined : unknownCommandHint('a ManageSieve', [verb], SIEVE_VERBS);
    return { out: marked.out, hint };
  }

  private expect(verb: string): void {
    this.awaiting.push(verb);
    if (DECIDING_VERBS.has(verb)) this.decisions++;
  }

  /** The reply to the oldest command came (a challenge or its final response). */
  private answered(): string | undefined {
    const command = this.awaiting.shift();
    if (command !== undefined && DECIDING_VERBS.has(command)) this.decisions--;
    return command;
  }

  /**
   * A typed line ending in `{N+}` is followed by N bytes of literal (RFC
   * 5804 §4). ManageSieve clients only send non-synchronizing literals and
   * the server sends no `+`, so a typed `{N}` starts the literal at once too.
   */
  private startLiteral(line: string, secret: boolean): void {
    const m = TYPED_LITERAL_RE.exec(line);
    if (!m) return;
    this.literal = { remaining: Number(m[1]), secret };
    this.mode = this.literal.remaining === 0 ? 'rest' : 'literal';
  }

  receive(line: ServerLine): { view: LineView; events: AdapterEvent[] } {
    const text = lineText(line);
    if (line.continued) {
      if (this.challenge) return this.challenged(Buffer.concat(this.challenge).toString('latin1'));
      // The rest of the line after a literal (`""` after GETSCRIPT's script).
      if (text !== '') this.lines.push(text);
      return { view: { cls: 'info' }, events: [] };
    }
    const status = STATUS_RE.exec(text)?.[1].toUpperCase();
    const command = this.awaiting[0];
    if (!status) {
      if (command === 'AUTHENTICATE' && this.lines.length === 0) {
        // RFC 5804 §2.1: a SASL challenge is a string, quoted or a literal.
        if (line.announces !== undefined) {
          this.challenge = [];
          return { view: { cls: 'more' }, events: [] };
        }
        return this.challenged(text.replace(/^"|"$/g, ''));
      }
      this.lines.push(text);
      // Only these responses are capability lists; LISTSCRIPTS lines
      // (`"name"`) look the same.
      if (CAPABILITY_RESPONSES.has(command)) this.learnCapability(text);
      return { view: { cls: 'info' }, events: [] };
    }
    this.answered();
    const cls: ReplyClass = status === 'OK' ? 'ok' : 'fail';
    const lines = [...this.lines.take(), text];
    if (this.learned.size > 0) {
      // Already within learnedBytes' budget (see learnCapability).
      this.caps = this.learned;
      this.learned = new Map();
      this.learnedBytes = new KeptWords();
    }
    const events: AdapterEvent[] = [{ type: 'reply', reply: { status, cls, lines, command, ...(this.partial ? { partial: true } : {}) } }];
    this.partial = false;
    if (command === 'STARTTLS' && status === 'OK') events.push({ type: 'starttls' });
    if (command === 'AUTHENTICATE') {
      if (cls === 'fail') events.push(...(this.sasl?.refused(command) ?? []));
      this.sasl = undefined;
    }
    return { view: { cls, alert: sieveResponseCode(text) !== undefined }, events };
  }

  /** The challenge of an AUTHENTICATE in progress: the next typed line answers it. */
  private challenged(base64: string): { view: LineView; events: AdapterEvent[] } {
    this.challenge = undefined;
    this.answered();
    this.mode = 'sasl';
    const challenge = challengeSeen(base64);
    return { view: { cls: 'more', annotation: challenge.annotation }, events: [challenge.event] };
  }

  receiveLiteral(chunk: LiteralChunk): void {
    if (!this.challenge) {
      // A literal's lines are lines of the response (GETSCRIPT's script).
      this.literalText.pushLiteral(chunk);
      if (chunk.remaining > 0) return;
      const held = this.literalText.take();
      this.partial ||= held.partial;
      for (const l of held.lines) this.lines.push(l);
      return;
    }
    this.challenge.push(Buffer.from(chunk.literal));
    if (this.challenge.reduce((n, b) => n + b.length, 0) > MAX_CHALLENGE) {
      this.challenge = undefined;
      throw new ProtocolError('REPLY_TOO_LONG', `the server sent a SASL challenge of more than ${MAX_CHALLENGE} bytes`);
    }
  }

  /** `"SASL" "PLAIN LOGIN"` → SASL → [PLAIN, LOGIN]. */
  private learnCapability(text: string): void {
    const m = /^"([^"]+)"(?:\s+"([^"]*)")?$/.exec(text);
    // Kept within a budget of bytes: 400 capability lines of 1 MB once held 871 MB (issue 21 item 8).
    const name = m && this.learnedBytes.take(m[1].toUpperCase());
    if (!name) return;
    const values = (m[2] ? m[2].split(/\s+/) : []).map((v) => this.learnedBytes.take(v)).filter((v): v is string => v !== undefined);
    this.learned.set(name, values);
  }

  startTlsCommands(): string[] {
    return ['STARTTLS'];
  }

  get mechanisms(): readonly string[] {
    return this.caps.get('SASL') ?? [];
  }

  completionWords(before: readonly string[]): readonly string[] {
    if (before.length === 0) return SIEVE_VERBS;
    // RFC 5804 §2.1: the mechanism is a string.
    return before.length === 1 && before[0].toUpperCase() === 'AUTHENTICATE' ? this.mechanisms.map((m) => `"${m}"`) : [];
  }

  quitCommand(): string {
    return 'LOGOUT';
  }

  tlsStarted(): AdapterEvent[] {
    this.caps = new Map();
    // The server re-announces its capabilities over TLS, unasked.
    this.expect('<capabilities>');
    return [];
  }
}
