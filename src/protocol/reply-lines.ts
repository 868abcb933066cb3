import { ProtocolError } from '../errors.js';

/**
 * Default longest reply mailsh holds in memory, in lines: far above any real
 * EHLO, CAPA or LISTSCRIPTS reply, low enough that `250-` forever cannot eat
 * memory (`--max-reply-lines` raises it).
 */
export const DEFAULT_MAX_REPLY_LINES = 10_000;

/**
 * Characters kept of each held line: far above any reply or capability line
 * (RFC 5321 §4.5.3.1.5 allows 512 octets), so that many long lines cannot add
 * up to a lot of memory. The display and the transcript still get every byte.
 */
const MAX_HELD_LINE = 4096;

/** `text` cut to MAX_HELD_LINE characters; a copy, not a slice: V8 slices keep the whole long string alive. */
export function heldLine(text: string): string {
  return text.length > MAX_HELD_LINE ? Buffer.from(text.slice(0, MAX_HELD_LINE), 'utf8').toString('utf8') : text;
}

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
    this.lines.push(heldLine(text));
  }

  /** The lines so far; the list starts over empty. */
  take(): string[] {
    const lines = this.lines;
    this.lines = [];
    return lines;
  }
}
