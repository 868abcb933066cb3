import { lineText, type ServerLine } from '../framing/line-reader.js';
import type { AdapterEvent, LineView, Prepared, ProtocolAdapter, ReplyClass } from './adapter.js';
import { commandLine, secretAfterWords } from './outgoing.js';
import { unknownCommandHint } from './command-hint.js';
import { challengeSeen, saslResponse } from './sasl-continuation.js';
import { TYPED_LITERAL_RE, TypedLiteralInput, typedLiteralStep } from './typed-literal.js';
import { ReplyLines } from './reply-lines.js';

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


  get capabilities(): ReadonlyMap<string, readonly string[]> {
    return this.caps;
  }

  prepare(line: string): Prepared {
    if (this.mode === 'sasl') {
      this.mode = 'command';
      this.awaiting.push('AUTHENTICATE');
      return saslResponse(line);
    }
    const secret = this.awaiting.at(-1) === 'AUTHENTICATE';
    if (this.mode === 'literal') {
      const literal = this.literal!;
      const step = typedLiteralStep(literal, line, false);
      const out = { pieces: step.pieces };
      if (literal.remaining > 0) return { out, blocking: false };
      this.literal = undefined;
      this.mode = step.rest === undefined ? 'rest' : 'command';
      this.startLiteral(step.rest ?? '', secret);
      return { out, blocking: false };
    }
    if (this.mode === 'rest') {
      this.mode = 'command';
      this.startLiteral(line, secret);
      return { out: commandLine(line), blocking: false };
    }
    const verb = (/^\S*/.exec(line)?.[0] ?? '').toUpperCase();
    this.awaiting.push(verb);
    // AUTHENTICATE "PLAIN" "initial-response": the response is a secret.
    const out = verb === 'AUTHENTICATE' ? secretAfterWords(line, 2) : commandLine(line);
    this.startLiteral(line, verb === 'AUTHENTICATE');
    const hint = SIEVE_VERBS.includes(verb) || verb === '' ? undefined : unknownCommandHint('a ManageSieve', [verb], SIEVE_VERBS);
    return { out, blocking: verb === 'STARTTLS' || verb === 'AUTHENTICATE', hint };
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
    if (line.continued) return { view: { cls: 'info' }, events: [] };
    const status = STATUS_RE.exec(text)?.[1].toUpperCase();
    const command = this.awaiting[0];
    if (!status) {
      if (command === 'AUTHENTICATE' && this.lines.length === 0) {
        // A SASL challenge: a quoted base64 string.
        this.awaiting.shift();
        this.mode = 'sasl';
        const challenge = challengeSeen(text.replace(/^"|"$/g, ''));
        return { view: { cls: 'more', annotation: challenge.annotation }, events: [challenge.event] };
      }
      this.lines.push(text);
      // Only these responses are capability lists; LISTSCRIPTS lines
      // (`"name"`) look the same.
      if (CAPABILITY_RESPONSES.has(command)) this.learnCapability(text);
      return { view: { cls: 'info' }, events: [] };
    }
    this.awaiting.shift();
    const cls: ReplyClass = status === 'OK' ? 'ok' : 'fail';
    const lines = [...this.lines.take(), text];
    if (this.learned.size > 0) {
      this.caps = this.learned;
      this.learned = new Map();
    }
    const events: AdapterEvent[] = [{ type: 'reply', reply: { status, cls, lines, command } }];
    if (command === 'STARTTLS' && status === 'OK') events.push({ type: 'starttls' });
    return { view: { cls, alert: sieveResponseCode(text) !== undefined }, events };
  }

  /** `"SASL" "PLAIN LOGIN"` → SASL → [PLAIN, LOGIN]. */
  private learnCapability(text: string): void {
    const m = /^"([^"]+)"(?:\s+"([^"]*)")?$/.exec(text);
    if (m) this.learned.set(m[1].toUpperCase(), m[2] ? m[2].split(/\s+/) : []);
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
    this.awaiting.push('<capabilities>');
    return [];
  }
}
