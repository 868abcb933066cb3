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

/**
 * Streams a message file onto the wire: every line end (LF, CR or CRLF) becomes
 * CRLF, and with `stuff` lines starting with "." are dot-stuffed. Works chunk by
 * chunk so memory stays flat whatever the file size.
 */
export class MessageEncoder {
  private atLineStart = true;
  private pendingCr = false;

  constructor(private readonly stuff: boolean) {}

  /** Encodes one chunk of the file. */
  push(chunk: Buffer): Buffer {
    // Worst case every byte doubles (all dots or all bare line ends).
    const out = Buffer.allocUnsafe(chunk.length * 2 + 2);
    let n = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (this.pendingCr) {
        this.pendingCr = false;
        out[n++] = CR;
        out[n++] = LF;
        this.atLineStart = true;
        if (b === LF) continue;
      }
      if (b === CR) {
        this.pendingCr = true;
      } else if (b === LF) {
        out[n++] = CR;
        out[n++] = LF;
        this.atLineStart = true;
      } else {
        if (this.atLineStart && b === DOT && this.stuff) out[n++] = DOT;
        out[n++] = b;
        this.atLineStart = false;
      }
    }
    return out.subarray(0, n);
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
