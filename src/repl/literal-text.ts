import { LiteralLines } from '../framing/literal-lines.js';
import type { LiteralChunk } from '../framing/line-reader.js';
import { escapeBytes, isPlainText, replaceCrlf } from '../text/escape.js';

const LINE_END = /\r\n|\r|\n/g;
const PREFIX = 'S: ';

/**
 * Script-mode text of a streamed literal, a chunk at a time: the same
 * `S: LINE` lines as rendering it line by line (colour is off in scripts),
 * but a chunk of printable ASCII costs a few native scans and one replace
 * instead of work per line, which is what a 100 MB FETCH is made of. Anything else
 * (UTF-8, control bytes, a line held from before) takes the line-by-line way.
 */
export class LiteralText {
  private readonly lines = new LiteralLines();
  /** `S: ` and the start of a line were written; its end is still to come. */
  private open = false;
  /** The last chunk ended with CR, so an LF starting this one ends nothing more. */
  private swallowLf = false;

  /** The text for stdout that `chunk` completes. */
  render(chunk: LiteralChunk): string {
    let bytes = chunk.literal;
    if (this.swallowLf) {
      this.swallowLf = false;
      if (bytes[0] === 0x0a) bytes = bytes.subarray(1);
    }
    const last = chunk.remaining === 0;
    // A literal ending in CR keeps the CR as data on its last line (as LiteralLines does).
    if (this.lines.buffered > 0 || !isPlainText(bytes, 'display') || (last && bytes[bytes.length - 1] === 0x0d)) {
      return this.lineByLine({ literal: bytes, remaining: chunk.remaining });
    }
    const text = bytes.toString('latin1');
    const lines = replaceCrlf(text, `\n${PREFIX}`) ?? text.replace(LINE_END, `\n${PREFIX}`);
    let out = text === '' ? '' : (this.open ? '' : PREFIX) + lines;
    if (out.endsWith(`\n${PREFIX}`)) {
      out = out.slice(0, -PREFIX.length);
      this.open = false;
    } else if (out !== '') {
      this.open = true;
    }
    this.swallowLf = text.endsWith('\r');
    if (last && this.open) {
      out += '\n';
      this.open = false;
    }
    return out;
  }

  private lineByLine(chunk: LiteralChunk): string {
    let out = '';
    this.lines.push(chunk, (line) => {
      out += `${this.open ? '' : PREFIX}${escapeBytes(line, 'display')}\n`;
      this.open = false;
    });
    if (chunk.remaining === 0 && this.open) {
      out += '\n';
      this.open = false;
    }
    return out;
  }
}
