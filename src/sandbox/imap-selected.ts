/**
 * A session's view of its selected mailbox (RFC 9051 §2.3.1.2, §7.5.1).
 * Message sequence numbers belong to the session: another session's
 * EXPUNGE or a delivery changes the mailbox at once, but this view only
 * when the session is told (EXISTS, EXPUNGE), which may not happen during
 * FETCH, STORE or SEARCH. Until then expunged messages stay visible here.
 * Flags changed by others are told as unsolicited FETCH (FLAGS …).
 */
import type { Mailbox, StoredMessage } from './mail-store.js';
import { ImapSyntaxError } from './imap-command-parser.js';
import { messageFlags } from './imap-fetch.js';
import { inSequenceSet, parseSequenceSet } from './sequence-set.js';

export class SelectedMailbox {
  /** The messages as this session numbers them: index + 1 is the sequence number. */
  readonly view: StoredMessage[];
  /** Messages that are \Recent for this session (RFC 3501 §2.3.2; not in IMAP4rev2). */
  private readonly recent = new Set<StoredMessage>();
  /** The flags this session last told its client, per message. */
  private readonly toldFlags = new Map<StoredMessage, string>();

  constructor(
    readonly mailbox: Mailbox,
    readonly readOnly: boolean,
  ) {
    this.view = [...mailbox.messages];
    this.claimRecent(this.view);
    for (const m of this.view) this.noteFlags(m);
  }

  /** Records that the client has been told the message's current flags (FETCH, STORE, SELECT). */
  noteFlags(message: StoredMessage): void {
    this.toldFlags.set(message, [...message.flags].sort().join(' '));
  }

  /** A message is \Recent for the first session to see it. EXAMINE leaves it for others. */
  private claimRecent(messages: StoredMessage[]): void {
    if (this.readOnly) return;
    for (const m of messages) {
      if (m.recent) this.recent.add(m);
      m.recent = false;
    }
  }

  isRecent(message: StoredMessage): boolean {
    return this.recent.has(message);
  }

  get recentCount(): number {
    return this.view.filter((m) => this.recent.has(m)).length;
  }

  /** The messages a sequence set names, with their sequence numbers; `uid` reads it as UIDs. */
  resolve(setText: string | undefined, uid: boolean): [number, StoredMessage][] {
    const set = setText === undefined ? undefined : parseSequenceSet(setText);
    if (!set) throw new ImapSyntaxError('Invalid sequence set');
    const maxUid = this.view.length === 0 ? 0 : this.view[this.view.length - 1].uid;
    if (!uid) {
      // Sequence numbers past the end are an error, unlike UIDs (RFC 9051 §9 seq-number).
      const tooHigh = set.some(([a, b]) => (a ?? this.view.length) > this.view.length || (b ?? this.view.length) > this.view.length || this.view.length === 0);
      if (tooHigh) throw new ImapSyntaxError('Invalid message sequence number');
    }
    const out: [number, StoredMessage][] = [];
    this.view.forEach((m, i) => {
      if (inSequenceSet(set, uid ? m.uid : i + 1, uid ? maxUid : this.view.length)) out.push([i + 1, m]);
    });
    return out;
  }

  /**
   * The untagged responses that bring the client up to date: EXPUNGE for
   * messages gone (only when allowed), FETCH (FLAGS …) for flags others
   * changed, then EXISTS (and RECENT for IMAP4rev1 clients) for new ones.
   */
  updates(allowExpunge: boolean, rev2: boolean): string[] {
    const lines: string[] = [];
    if (allowExpunge) {
      // Highest first, so no announced number shifts the ones still to come.
      for (let i = this.view.length - 1; i >= 0; i--) {
        if (!this.view[i].expunged) continue;
        lines.push(`${i + 1} EXPUNGE`);
        this.recent.delete(this.view[i]);
        this.toldFlags.delete(this.view[i]);
        this.view.splice(i, 1);
      }
    }
    this.view.forEach((m, i) => {
      if (m.expunged || this.toldFlags.get(m) === [...m.flags].sort().join(' ')) return;
      lines.push(`${i + 1} FETCH (FLAGS ${messageFlags(m, this.recent.has(m))})`);
      this.noteFlags(m);
    });
    const known = new Set(this.view);
    const added = this.mailbox.messages.filter((m) => !known.has(m));
    if (added.length > 0) {
      this.view.push(...added);
      this.claimRecent(added);
      for (const m of added) this.noteFlags(m);
      lines.push(`${this.view.length} EXISTS`);
      if (!rev2) lines.push(`${this.recentCount} RECENT`);
    }
    return lines;
  }
}
