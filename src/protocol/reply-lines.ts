import { ProtocolError } from '../errors.js';

/**
 * Default longest reply mailsh holds in memory, in lines: far above any real
 * EHLO, CAPA or LISTSCRIPTS reply, low enough that `250-` forever cannot eat
 * memory (`--max-reply-lines` raises it).
 */
export const DEFAULT_MAX_REPLY_LINES = 10_000;

/**
 * The lines of one reply as they accumulate (SMTP `250-…`, a POP3 CAPA body,
 * a ManageSieve response). Going over the limit is an error, never a silent
 * cut (DESIGN rule 5).
 */
export class ReplyLines {
  private lines: string[] = [];

  constructor(private readonly max = DEFAULT_MAX_REPLY_LINES) {}

  get length(): number {
    return this.lines.length;
  }

  push(text: string): void {
    if (this.lines.length >= this.max) {
      this.lines = [];
      throw new ProtocolError('REPLY_TOO_LONG', `server sent a reply of more than ${this.max} lines (--max-reply-lines raises the limit)`);
    }
    this.lines.push(text);
  }

  /** The lines so far; the list starts over empty. */
  take(): string[] {
    const lines = this.lines;
    this.lines = [];
    return lines;
  }
}
