import { DEFAULT_MAX_LINE, LineReader, type LiteralChunk } from './line-reader.js';

/**
 * Cuts a literal streaming in (a message body, RFC 9051 §4.3) into lines for
 * the display only: LF, CR and CRLF end a line, they are data, never protocol
 * violations, and whatever is left when the literal ends is a line too. Only
 * a line waiting for its end is held, so a whole message never is; a literal
 * is data, so a long stretch without a line end is no error: it is shown in
 * pieces of `maxHeld` bytes.
 */
export class LiteralLines {
  private readonly reader = new LineReader(Number.MAX_SAFE_INTEGER);

  constructor(private readonly maxHeld = DEFAULT_MAX_LINE) {}

  /** Bytes of an unended line held from earlier chunks. */
  get buffered(): number {
    return this.reader.buffered;
  }

  /** Calls `line` for each line `chunk` completes, without its end. */
  push(chunk: LiteralChunk, line: (bytes: Buffer) => void): void {
    for (const item of this.reader.push(chunk.literal)) {
      if (!('literal' in item)) line(item.bytes);
    }
    if (chunk.remaining === 0 || this.reader.buffered >= this.maxHeld) this.flush(line);
  }

  /** Shows the line held so far. */
  private flush(line: (bytes: Buffer) => void): void {
    const rest = this.reader.drain();
    if (rest.length > 0) line(rest);
  }
}
