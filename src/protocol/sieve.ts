import type { ServerLine } from '../framing/line-reader.js';
import type { AdapterEvent, LineView, Prepared, ProtocolAdapter, ReplyClass } from './adapter.js';
import { commandLine, secretAfterWords } from './outgoing.js';
import { capabilityWords } from './completion-words.js';
import { decodeChallenge, saslResponse } from './sasl-continuation.js';
import { ReplyLines } from './reply-lines.js';

type SieveMode = 'command' | 'sasl';

const STATUS_RE = /^(OK|NO|BYE)\b/i;

/** ManageSieve commands (RFC 5804 §2). */
const SIEVE_VERBS: readonly string[] = ['AUTHENTICATE', 'STARTTLS', 'LOGOUT', 'CAPABILITY', 'HAVESPACE', 'PUTSCRIPT', 'LISTSCRIPTS', 'SETACTIVE', 'GETSCRIPT', 'DELETESCRIPT', 'RENAMESCRIPT', 'CHECKSCRIPT', 'NOOP', 'UNAUTHENTICATE'];

/**
 * ManageSieve (RFC 5804): untagged commands answered in order, each response
 * ending with an `OK`, `NO` or `BYE` line; the greeting and the response to
 * CAPABILITY are capability lines (`"SIEVE" "fileinto"`). After STARTTLS the
 * server sends its capabilities again (RFC 5804 §2.2).
 */
export class SieveAdapter implements ProtocolAdapter {
  readonly protocol = 'sieve';
  readonly literals = true;
  readonly metaAllowed = true;
  /** RFC 5804 sets no line limit. */
  readonly lineLimit = undefined;
  private mode: SieveMode = 'command';
  private readonly awaiting: string[] = ['<greeting>'];
  private readonly lines: ReplyLines;
  private caps = new Map<string, string[]>();
  private learned = new Map<string, string[]>();

  /** `maxReplyLines`: the longest response held before its `OK`/`NO`/`BYE`. */
  constructor(maxReplyLines?: number) {
    this.lines = new ReplyLines(maxReplyLines);
  }

  get pending(): number {
    return this.awaiting.length;
  }

  get promptState(): string {
    return this.mode === 'sasl' ? 'auth' : '';
  }

  get awaitingInput(): boolean {
    return this.mode === 'sasl';
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
    const verb = (/^\S*/.exec(line)?.[0] ?? '').toUpperCase();
    this.awaiting.push(verb);
    // AUTHENTICATE "PLAIN" "initial-response": the response is a secret.
    const out = verb === 'AUTHENTICATE' ? secretAfterWords(line, 2) : commandLine(line);
    return { out, blocking: verb === 'STARTTLS' || verb === 'AUTHENTICATE' };
  }

  receive(line: ServerLine): { view: LineView; events: AdapterEvent[] } {
    const text = line.bytes.toString('utf8');
    if (line.continued) return { view: { cls: 'info' }, events: [] };
    const status = STATUS_RE.exec(text)?.[1].toUpperCase();
    const command = this.awaiting[0];
    if (!status) {
      if (command === 'AUTHENTICATE' && this.lines.length === 0) {
        // A SASL challenge: a quoted base64 string.
        this.awaiting.shift();
        this.mode = 'sasl';
        return { view: { cls: 'more', annotation: decodeChallenge(text.replace(/^"|"$/g, '')) }, events: [] };
      }
      this.lines.push(text);
      this.learnCapability(text);
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
    return { view: { cls, alert: /\((ALERT|QUOTA[^)]*)\)/i.test(text) }, events };
  }

  /** `"SASL" "PLAIN LOGIN"` → SASL → [PLAIN, LOGIN]. */
  private learnCapability(text: string): void {
    const m = /^"([^"]+)"(?:\s+"([^"]*)")?$/.exec(text);
    if (m) this.learned.set(m[1].toUpperCase(), m[2] ? m[2].split(/\s+/) : []);
  }

  startTlsCommands(): string[] {
    return ['STARTTLS'];
  }

  completionWords(position: 'command' | 'argument'): readonly string[] {
    return position === 'command' ? SIEVE_VERBS : capabilityWords(this.caps);
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
