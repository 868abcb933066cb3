import type { LiteralChunk } from '../framing/line-reader.js';
import { DEFAULT_MAX_REPLY_LINES, heldLine } from './reply-lines.js';

/** Bytes kept of one literal (a script, a message): enough for any `/expect /regex/` on it. */
const MAX_HELD_LITERAL = 256 * 1024;

/**
 * The text of a response that spans several lines (IMAP untagged lines before
 * the tagged completion, literal contents such as a ManageSieve GETSCRIPT),
 * held for `/expect /regex/` (SPEC §10). Unlike ReplyLines it never throws: a
 * FETCH of a large mailbox is no error, so past the limits the rest is left
 * out and the response is marked `partial`, which `/expect` reports.
 */
export class ResponseText {
  private lines: string[] = [];
  private literal: Buffer[] = [];
  private literalSize = 0;
  private cut = false;

  constructor(private readonly maxLines = DEFAULT_MAX_REPLY_LINES) {}

  push(text: string): void {
    if (this.lines.length >= this.maxLines) {
      this.cut = true;
      return;
    }
    // Lines are cut as in ReplyLines: the screen and transcript get every byte.
    const held = heldLine(text);
    this.lines.push(held);
    if (held !== text) this.cut = true;
  }

  /** Literal bytes as they stream; their lines join the response once the literal ends. */
  pushLiteral(chunk: LiteralChunk): void {
    const room = MAX_HELD_LITERAL - this.literalSize;
    if (chunk.literal.length > room) this.cut = true;
    if (room > 0) {
      const kept = chunk.literal.subarray(0, room);
      this.literal.push(Buffer.from(kept));
      this.literalSize += kept.length;
    }
    if (chunk.remaining > 0) return;
    const text = Buffer.concat(this.literal).toString('utf8');
    this.literal = [];
    this.literalSize = 0;
    const lines = text.split(/\r?\n/);
    if (lines.at(-1) === '') lines.pop(); // the line end of the last line
    for (const line of lines) this.push(line);
  }

  /** The lines so far and whether some were left out; it starts over empty. */
  take(): { lines: string[]; partial: boolean } {
    const taken = { lines: this.lines, partial: this.cut };
    this.lines = [];
    this.cut = false;
    return taken;
  }

  clear(): void {
    this.take();
    this.literal = [];
    this.literalSize = 0;
  }
}
