import { isAscii } from 'node:buffer';
import { ProtocolError } from '../errors.js';

/** How a server line ended; anything but CRLF is a protocol violation. */
export type LineEnding = 'crlf' | 'lf' | 'cr' | 'none';

/** One line from the server, without its terminator. */
export interface ServerLine {
  bytes: Buffer;
  ending: LineEnding;
  /** The line as text, when the reader had it at hand (an ASCII chunk): see lineText. */
  text?: string;
  /** The line goes on after a literal: it is not the start of a response. */
  continued?: boolean;
  /** The line announces a literal of this many bytes (`{N}` at its end): they come next as LiteralChunks. */
  announces?: number;
}

/** Bytes of a literal (`{N}` then N raw bytes, RFC 9051 §4.3), as they arrive. */
export interface LiteralChunk {
  literal: Buffer;
  /** Bytes of the literal still to come after this chunk. */
  remaining: number;
}

export type ServerItem = ServerLine | LiteralChunk;

/**
 * A line that announces a literal: `{123}` or `~{123}` at its end, or from a
 * client (the sandbox's servers) also the non-synchronizing `{123+}` (RFC 7888).
 */
const LITERAL_RE = /~?\{(\d{1,20})\+?\}$/;

/** The size of the literal a line (without its line end) announces, or undefined. */
export function announcedLiteral(line: string): number | undefined {
  const m = LITERAL_RE.exec(line);
  return m ? Number(m[1]) : undefined;
}

const TERMINATORS: Record<LineEnding, Buffer> = {
  crlf: Buffer.from('\r\n'),
  lf: Buffer.from('\n'),
  cr: Buffer.from('\r'),
  none: Buffer.alloc(0),
};

/** A server line as UTF-8 text (invalid bytes become U+FFFD): the reader's text when it came with one, else a decode. */
export function lineText(line: ServerLine): string {
  return line.text ?? line.bytes.toString('utf8');
}

/** A line's bytes as they came on the wire, terminator included. */
export function wireLine(line: ServerLine): Buffer {
  return Buffer.concat([line.bytes, TERMINATORS[line.ending]]);
}

/** Default longest server line accepted (bytes): far above any real reply. */
export const DEFAULT_MAX_LINE = 1024 * 1024;

/**
 * Default largest literal accepted (bytes). Literals stream, so this bounds
 * no memory; it stops a hostile `{10000000000}` from swallowing the session.
 */
export const DEFAULT_MAX_LITERAL = 4 * 1024 ** 3;

const LF = 0x0a;

/**
 * Frames server bytes into lines. CRLF is the proper end; a bare LF or bare CR
 * also ends a line but is reported as such so the display can mark it. A CR
 * at the end of a chunk waits for the next chunk to decide. Exceeding the line
 * limit is an error, never a silent cut (DESIGN rule 5).
 */
export class LineReader {
  private chunks: Buffer[] = [];
  private size = 0;
  private pendingCr = false;
  /** Bytes of a literal still to pass through raw. */
  private literalLeft = 0;
  private afterLiteral = false;

  /**
   * With `literals` (IMAP, ManageSieve), a line ending in `{N}` is followed
   * by N raw bytes that are passed on as literal chunks, never as lines, so a
   * message body can never be mistaken for a response.
   */
  literals = false;

  constructor(
    private readonly maxLine = DEFAULT_MAX_LINE,
    private readonly maxLiteral = DEFAULT_MAX_LITERAL,
  ) {}

  /**
   * Feeds bytes; returns the lines and literal chunks they complete. Line ends
   * are found in one latin1 string of the chunk (a character per byte, so
   * its indexes are byte offsets) with String indexOf, a builtin that costs
   * far less per line than Buffer's; complete lines are views into `data`,
   * not copies, and in an ASCII chunk they come with their text. Consumers
   * use the items before the next push; Node never reuses a chunk's memory.
   */
  push(data: Buffer): ServerItem[] {
    const lines: ServerItem[] = [];
    const n = data.length;
    let start = 0;
    if (this.pendingCr) {
      this.pendingCr = false;
      if (n > 0 && data[0] === LF) {
        lines.push(this.take(Buffer.alloc(0), 'crlf'));
        start = 1;
      } else {
        lines.push(this.take(Buffer.alloc(0), 'cr'));
      }
    }
    // Decoded once a line is to be found: a chunk of literal bytes is not.
    let chars: string | undefined;
    let ascii = false;
    let cr = -1;
    let lf = -1;
    while (start < n) {
      if (this.literalLeft > 0) {
        const len = Math.min(this.literalLeft, n - start);
        this.literalLeft -= len;
        lines.push({ literal: data.subarray(start, start + len), remaining: this.literalLeft });
        start += len;
        continue;
      }
      if (chars === undefined) {
        chars = data.toString('latin1');
        ascii = isAscii(data);
        cr = chars.indexOf('\r', start);
        lf = chars.indexOf('\n', start);
      }
      if (cr >= 0 && cr < start) cr = chars.indexOf('\r', start);
      if (lf >= 0 && lf < start) lf = chars.indexOf('\n', start);
      const end = cr < 0 ? lf : lf < 0 ? cr : Math.min(cr, lf);
      if (end < 0) break;
      if (end === lf) {
        lines.push(this.take(data.subarray(start, end), 'lf', ascii ? chars.slice(start, end) : undefined));
        start = end + 1;
      } else if (end + 1 === n) {
        // A CR at the end of a chunk: the next chunk tells CRLF from a bare CR.
        this.append(data.subarray(start, end));
        this.pendingCr = true;
        return lines;
      } else {
        const crlf = lf === end + 1;
        lines.push(this.take(data.subarray(start, end), crlf ? 'crlf' : 'cr', ascii ? chars.slice(start, end) : undefined));
        start = end + (crlf ? 2 : 1);
      }
    }
    if (start < n) this.append(data.subarray(start));
    return lines;
  }

  /** Bytes of a server literal still to come (0 outside one). */
  get literalRemaining(): number {
    return this.literalLeft;
  }

  /** Bytes received but not yet ended by a line terminator. */
  get buffered(): number {
    return this.size + (this.pendingCr ? 1 : 0);
  }

  /** Takes whatever is buffered (a last line without an end, or injected bytes). */
  drain(): Buffer {
    const rest = Buffer.concat(this.pendingCr ? [...this.chunks, Buffer.from('\r')] : this.chunks);
    this.chunks = [];
    this.size = 0;
    this.pendingCr = false;
    return rest;
  }

  /** Keeps the start of a line until its end arrives (a copy: it outlives the chunk). */
  private append(part: Buffer): void {
    if (part.length === 0) return;
    this.checkLength(part.length);
    this.chunks.push(Buffer.from(part));
    this.size += part.length;
  }

  private checkLength(added: number): void {
    if (this.size + added > this.maxLine) {
      this.drain();
      throw new ProtocolError('LINE_TOO_LONG', `server sent a line longer than ${this.maxLine} bytes (--max-line raises the limit)`);
    }
  }

  /** A line ends with `tail`; `tailText` is the tail's text when the chunk had it. */
  private take(tail: Buffer, ending: LineEnding, tailText?: string): ServerLine {
    this.checkLength(tail.length);
    // The start of the line came in an earlier chunk: no text at hand.
    const text = this.size === 0 ? tailText : undefined;
    const bytes = this.size === 0 ? tail : Buffer.concat([...this.chunks, tail]);
    if (this.size > 0) this.chunks = [];
    this.size = 0;
    const line: ServerLine = { bytes, ending, text };
    if (this.afterLiteral) line.continued = true;
    this.afterLiteral = false;
    if (this.literals) {
      // Only the end can announce a literal: a long line is not scanned whole.
      const end = text === undefined ? bytes.subarray(Math.max(0, bytes.length - 24)).toString('latin1') : text.slice(-24);
      const size = announcedLiteral(end);
      if (size !== undefined) {
        if (size > this.maxLiteral) {
          throw new ProtocolError('LITERAL_TOO_LARGE', `server announced a ${size}-byte literal, over the ${this.maxLiteral}-byte limit (--max-literal)`);
        }
        this.literalLeft = size;
        this.afterLiteral = true;
        line.announces = size;
      }
    }
    return line;
  }
}
