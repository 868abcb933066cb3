import { LineReader, lineText, type ServerLine } from '../framing/line-reader.js';
import type { ProtocolAdapter, ProtocolName } from '../protocol/adapter.js';
import { createAdapter, protocolFromGreeting } from '../protocol/detect.js';
import { isImapCommand } from '../protocol/imap-commands.js';
import { wireBytes, type Outgoing, type Piece } from '../protocol/outgoing.js';

/** Where an observed session goes: the transcript (or a test's recorder). */
export interface ObserverSink {
  client(out: Outgoing): void;
  server(chunk: Buffer): void;
  note(text: string): void;
}

/** A client line longer than this without LF is not a command: masked. */
const MAX_CLIENT_LINE = 64 * 1024;

const LF = 0x0a;

/**
 * Follows a session it does not drive (issue 18, issue 20 §2): fed what the
 * client sent and what the server answered, in the order they passed, it
 * hands each complete client line to the protocol adapter exactly as if it
 * had been typed, so the secrets are marked by the same code that marks
 * them when mailsh drives (LOGIN, AUTHENTICATE/AUTH initial responses and
 * SASL responses after `+`/`334`, USER/PASS/APOP, literals of LOGIN), and
 * the server's lines move the adapter on (continuations, tags, STARTTLS).
 * Bytes that are data and not lines (literals, BDAT chunks, DATA text) are
 * counted off, not parsed. What it cannot follow it masks, with a note:
 * it never guesses in favour of showing.
 */
export class SessionObserver {
  private adapter: ProtocolAdapter | undefined;
  private readonly reader: LineReader;
  /** Start of a client line whose LF has not come yet. */
  private partial: Buffer[] = [];
  private partialBytes = 0;
  /** Client pieces after the last line end passed on: a record ends only at a line end, however the bytes came. */
  private held: Piece[] = [];
  private heldBytes = 0;
  /** Bytes of a BDAT chunk still to come (RFC 3030 §2): data, not lines. */
  private chunkLeft = 0;
  /** The client started TLS through a plain tunnel: the rest is ciphertext. */
  private encrypted = false;
  /** Lost track for good (a hostile server line): every client byte is masked. */
  private lost = false;
  private readonly noted = new Set<string>();
  /** Told each client command line as it is read (the proxy's capability filter listens). */
  onCommand: ((text: string) => void) | undefined;

  /** `protocol` 'auto' (or 'line' for tcp://) learns it from the greeting. */
  constructor(
    private readonly sink: ObserverSink,
    private protocol: ProtocolName | 'auto',
    maxLine?: number,
  ) {
    this.reader = new LineReader(maxLine);
    if (protocol !== 'auto') this.useAdapter(protocol);
  }

  /** Whether the client's next byte starts a command: not data, a literal, a SASL response or the rest of a line. */
  get atCommand(): boolean {
    const adapter = this.adapter;
    if (!adapter || this.lost || this.encrypted || this.partialBytes > 0 || this.dataLeft()) return false;
    return !adapter.awaitingInput && !adapter.messageData?.inData;
  }

  /** Replies the server still owes the client's commands (and its greeting). */
  get pending(): number {
    return this.adapter?.pending ?? 0;
  }

  /** Bytes the client sent. */
  client(chunk: Buffer): void {
    if (this.encrypted || chunk.length === 0) return;
    if (this.lost) return this.sink.client({ pieces: [{ bytes: chunk, secret: true }] });
    const pieces: Piece[] = [];
    let at = 0;
    while (at < chunk.length) {
      const data = this.partialBytes === 0 ? this.dataLeft() : undefined;
      if (data) {
        const n = Math.min(data.left, chunk.length - at);
        pieces.push(...data.take(chunk.subarray(at, at + n)));
        at += n;
        continue;
      }
      const nl = chunk.indexOf(LF, at);
      if (nl < 0) {
        this.keepPartial(chunk.subarray(at), pieces);
        break;
      }
      const line = this.partialBytes === 0 ? chunk.subarray(at, nl + 1) : Buffer.concat([...this.partial, chunk.subarray(at, nl + 1)]);
      this.partial = [];
      this.partialBytes = 0;
      at = nl + 1;
      pieces.push(...this.line(line));
    }
    this.emit(pieces);
  }

  /** Bytes the server sent (recorded as they came, like the shell's). */
  server(chunk: Buffer): void {
    this.flushHeld();
    this.sink.server(chunk);
    if (this.encrypted || this.lost) return;
    let items;
    try {
      items = this.reader.push(chunk);
    } catch (err) {
      this.loseTrack(`the server's bytes cannot be followed (${(err as Error).message})`);
      return;
    }
    for (const item of items) {
      if ('literal' in item) continue;
      this.serverLine(item);
      if (this.encrypted) return;
    }
  }

  /** The client closed: a line it never ended is masked (it may be a password). */
  end(): void {
    this.flushHeld();
    if (this.partialBytes === 0 || this.encrypted) return;
    const bytes = Buffer.concat(this.partial);
    this.partial = [];
    this.partialBytes = 0;
    this.sink.client({ pieces: [this.masked(bytes, 'a last line without a line end')] });
  }

  /**
   * Passes pieces on up to the last line end outside a secret and holds the
   * rest, so that data split across reads (a literal, a BDAT chunk) is
   * recorded in whole lines, as when mailsh sends it (up to 64 KiB held).
   */
  private emit(pieces: Piece[]): void {
    for (const piece of pieces) {
      this.held.push(piece);
      this.heldBytes += piece.bytes.length;
    }
    let i = this.held.length - 1;
    while (i >= 0 && (this.held[i].secret || !this.held[i].bytes.includes(LF))) i--;
    if (i < 0) {
      if (this.heldBytes > MAX_CLIENT_LINE) this.flushHeld();
      return;
    }
    const piece = this.held[i];
    const cut = piece.bytes.lastIndexOf(LF) + 1;
    const out = [...this.held.slice(0, i), { bytes: piece.bytes.subarray(0, cut), secret: false }];
    this.held = cut < piece.bytes.length ? [{ bytes: piece.bytes.subarray(cut), secret: false }, ...this.held.slice(i + 1)] : this.held.slice(i + 1);
    this.heldBytes = this.held.reduce((n, p) => n + p.bytes.length, 0);
    this.sink.client({ pieces: out });
    if (this.heldBytes > MAX_CLIENT_LINE) this.flushHeld();
  }

  private flushHeld(): void {
    if (this.held.length === 0) return;
    const pieces = this.held;
    this.held = [];
    this.heldBytes = 0;
    this.sink.client({ pieces });
  }

  private serverLine(line: ServerLine): void {
    if (!this.adapter) {
      const detected = protocolFromGreeting(lineText(line));
      this.useAdapter(detected);
      if (detected !== 'line') this.sink.note(`protocol: ${detected} (from the greeting)`);
    }
    const { events } = this.adapter!.receive(line);
    if (events.some((e) => e.type === 'starttls')) {
      // A plain tunnel carries the client's own STARTTLS (RFC 3207 §4) untouched.
      this.encrypted = true;
      this.sink.note('the client started TLS: the rest of the session is encrypted and not recorded');
    }
  }

  private useAdapter(protocol: ProtocolName): void {
    this.protocol = protocol;
    this.adapter = createAdapter(protocol);
    // The client wrote its own tags: none are made up.
    if (this.adapter.tagging) this.adapter.tagging.autoTag = false;
    this.reader.literals = this.adapter.literals;
  }

  /** Literal bytes the adapter expects, or a BDAT chunk: counted, not read as lines. */
  private dataLeft(): { left: number; take(bytes: Buffer): Piece[] } | undefined {
    const literal = this.adapter?.literalData;
    const left = literal?.literalRemaining;
    if (literal && left !== undefined && left > 0) {
      const secret = literal.literalSecret ?? true;
      return { left, take: (bytes) => literal.prepareLiteral(bytes, secret).pieces };
    }
    if (this.chunkLeft > 0) {
      return {
        left: this.chunkLeft,
        take: (bytes) => {
          this.chunkLeft -= bytes.length;
          return [{ bytes, secret: false }];
        },
      };
    }
    return undefined;
  }

  private keepPartial(rest: Buffer, pieces: Piece[]): void {
    this.partial.push(Buffer.from(rest));
    this.partialBytes += rest.length;
    if (this.partialBytes <= MAX_CLIENT_LINE) return;
    pieces.push(this.masked(Buffer.concat(this.partial), `a line of more than ${MAX_CLIENT_LINE} bytes`));
    this.partial = [];
    this.partialBytes = 0;
  }

  /** One client line with its LF: the adapter's pieces when it reads the line as sent. */
  private line(bytes: Buffer): Piece[] {
    const adapter = this.adapter;
    if (!adapter || adapter.protocol === 'line') {
      // Before a greeting, or a protocol mailsh does not know: nothing to mark, so nothing to trust.
      return adapter ? [{ bytes, secret: false }] : [this.masked(bytes, 'a line before the greeting')];
    }
    if (adapter.messageData?.inData) return this.dataLine(adapter, bytes);
    const crlf = bytes.length >= 2 && bytes[bytes.length - 2] === 0x0d;
    const text = bytes.subarray(0, bytes.length - (crlf ? 2 : 1)).toString('utf8');
    if (!crlf || /[\r\n]/.test(text)) return [this.masked(bytes, 'a line not ended by CRLF')];
    const command = !adapter.awaitingInput;
    if (command && !this.knownCommand(text)) return [this.masked(bytes, 'a line that is not a command mailsh knows')];
    if (command) this.onCommand?.(text);
    const out = adapter.prepare(text).out;
    if (!wireBytes(out).equals(bytes)) return [this.masked(bytes, 'a line the adapter would send differently')];
    const bdat = command && /^BDAT (\d+)/i.exec(text);
    if (bdat && adapter.messageData) this.chunkLeft = Number(bdat[1]);
    return out.pieces;
  }

  /** DATA text (RFC 5321 §4.1.1.4): passed on as data up to the lone `.`. */
  private dataLine(adapter: ProtocolAdapter, bytes: Buffer): Piece[] {
    if (bytes.length === 3 && bytes[0] === 0x2e && bytes[1] === 0x0d) return adapter.prepare('.').out.pieces;
    return [{ bytes, secret: false }];
  }

  /** Whether a line in command state starts with one of the protocol's commands. */
  private knownCommand(text: string): boolean {
    const words = text.split(' ');
    if (this.protocol === 'imap') return words.length > 1 && isImapCommand(words[1]);
    const verb = words[0].toUpperCase();
    return this.adapter!.completionWords([]).some((known) => known.split(' ')[0] === verb);
  }

  private masked(bytes: Buffer, why: string): Piece {
    if (!this.noted.has(why)) {
      this.noted.add(why);
      this.sink.note(`lost track of the client: ${why}; masked`);
    }
    return { bytes, secret: true };
  }

  private loseTrack(why: string): void {
    this.lost = true;
    this.sink.note(`lost track: ${why}; every client byte from here on is masked`);
  }
}
