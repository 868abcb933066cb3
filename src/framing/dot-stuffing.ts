/**
 * SMTP DATA transparency (RFC 5321 §4.5.2): a message line that starts with
 * "." gets one more "." so that only the lone "." line ends the message.
 */
export function dotStuffLine(line: string): string {
  return line.startsWith('.') ? `.${line}` : line;
}

/** Reverses dotStuffLine for a line received inside a dot-terminated body. */
export function dotUnstuffLine(line: string): string {
  return line.startsWith('.') ? line.slice(1) : line;
}

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;

const CRLF = Buffer.from('\r\n');
const EXTRA_DOT = Buffer.from('.');

/**
 * Streams a message file onto the wire: every line end (LF, CR or CRLF) becomes
 * CRLF, and with `stuff` lines starting with "." are dot-stuffed. Works chunk by
 * chunk so memory stays flat whatever the file size. Line ends are found with
 * Buffer.indexOf, and runs of bytes that need no change are passed on as they
 * are (a chunk of CRLF text without leading dots comes back as is), so a large
 * file costs a few native calls per line instead of a JavaScript step per byte.
 */
export class MessageEncoder {
  private atLineStart = true;
  private pendingCr = false;

  constructor(private readonly stuff: boolean) {}

  /** The most bytes `push` makes of `n`: every byte a bare line end (CRLF) or a dot to stuff, plus a pending CR. */
  static maxOutput(n: number): number {
    return 2 * n + 2;
  }

  /**
   * Encodes one chunk of the file: the chunk itself when nothing changes, else
   * the encoded bytes, in `into` when given (it must hold `maxOutput` bytes;
   * reusing it spares the page faults of a fresh buffer per chunk).
   */
  push(chunk: Buffer, into?: Buffer): Buffer {
    const parts: Buffer[] = [];
    const n = chunk.length;
    let i = 0;
    if (this.pendingCr && n > 0) {
      // The CR that ended the last chunk: with an LF here it was CRLF.
      this.pendingCr = false;
      parts.push(CRLF);
      this.atLineStart = true;
      if (chunk[0] === LF) i = 1;
    }
    /** Bytes from `start` up to the current position are passed on unchanged. */
    let start = i;
    let cr = chunk.indexOf(CR, i);
    let lf = chunk.indexOf(LF, i);
    while (i < n) {
      if (this.atLineStart) {
        this.atLineStart = false;
        if (this.stuff && chunk[i] === DOT) {
          parts.push(chunk.subarray(start, i), EXTRA_DOT);
          start = i;
        }
      }
      if (cr >= 0 && cr < i) cr = chunk.indexOf(CR, i);
      if (lf >= 0 && lf < i) lf = chunk.indexOf(LF, i);
      const end = cr < 0 ? lf : lf < 0 ? cr : Math.min(cr, lf);
      if (end < 0) break;
      this.atLineStart = true;
      if (chunk[end] === CR && end + 1 < n && chunk[end + 1] === LF) {
        i = end + 2;
        continue;
      }
      // A bare LF or CR becomes CRLF; a CR at the end waits for the next chunk.
      parts.push(chunk.subarray(start, end));
      if (chunk[end] === CR && end + 1 === n) {
        this.pendingCr = true;
        this.atLineStart = false;
      } else {
        parts.push(CRLF);
      }
      i = start = end + 1;
    }
    if (start < n) parts.push(chunk.subarray(start));
    if (parts.length === 1) return parts[0];
    if (!into) return Buffer.concat(parts);
    let used = 0;
    for (const part of parts) used += part.copy(into, used);
    return into.subarray(0, used);
  }

  /** Closes the last line; with dot-stuffing also writes the ending ".". */
  end(): Buffer {
    let tail = '';
    if (this.pendingCr || !this.atLineStart) tail += '\r\n';
    this.pendingCr = false;
    this.atLineStart = true;
    if (this.stuff) tail += '.\r\n';
    return Buffer.from(tail, 'latin1');
  }
}
