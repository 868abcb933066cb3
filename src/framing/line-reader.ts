import { ProtocolError } from '../errors.js';

/** How a server line ended; anything but CRLF is a protocol violation. */
export type LineEnding = 'crlf' | 'lf' | 'cr' | 'none';

/** One line from the server, without its terminator. */
export interface ServerLine {
  bytes: Buffer;
  ending: LineEnding;
}

const TERMINATORS: Record<LineEnding, Buffer> = {
  crlf: Buffer.from('\r\n'),
  lf: Buffer.from('\n'),
  cr: Buffer.from('\r'),
  none: Buffer.alloc(0),
};

/** A line's bytes as they came on the wire, terminator included. */
export function wireLine(line: ServerLine): Buffer {
  return Buffer.concat([line.bytes, TERMINATORS[line.ending]]);
}

/** Default longest server line accepted (bytes): far above any real reply. */
export const DEFAULT_MAX_LINE = 1024 * 1024;

const CR = 0x0d;
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

  constructor(private readonly maxLine = DEFAULT_MAX_LINE) {}

  /** Feeds bytes; returns the lines they complete. */
  push(data: Buffer): ServerLine[] {
    const lines: ServerLine[] = [];
    let start = 0;
    if (this.pendingCr) {
      this.pendingCr = false;
      if (data.length > 0 && data[0] === LF) {
        lines.push(this.take(Buffer.alloc(0), 'crlf'));
        start = 1;
      } else {
        lines.push(this.take(Buffer.alloc(0), 'cr'));
      }
    }
    for (let i = start; i < data.length; i++) {
      const b = data[i];
      if (b === LF) {
        lines.push(this.take(data.subarray(start, i), 'lf'));
        start = i + 1;
      } else if (b === CR) {
        if (i + 1 === data.length) {
          this.append(data.subarray(start, i));
          this.pendingCr = true;
          return lines;
        }
        const crlf = data[i + 1] === LF;
        lines.push(this.take(data.subarray(start, i), crlf ? 'crlf' : 'cr'));
        if (crlf) i++;
        start = i + 1;
      }
    }
    this.append(data.subarray(start));
    return lines;
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

  private append(part: Buffer): void {
    if (part.length === 0) return;
    if (this.size + part.length > this.maxLine) {
      this.drain();
      throw new ProtocolError('LINE_TOO_LONG', `server sent a line longer than ${this.maxLine} bytes`);
    }
    // Copy: the socket may reuse its buffer after this call returns.
    this.chunks.push(Buffer.from(part));
    this.size += part.length;
  }

  private take(tail: Buffer, ending: LineEnding): ServerLine {
    this.append(tail);
    const bytes = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    this.chunks = [];
    this.size = 0;
    return { bytes, ending };
  }
}
