/**
 * What an IMAP command handler of the sandbox may do with its session: the
 * seam between the dispatcher (imap-session.ts) and the command tables
 * (imap-mailbox-commands.ts, imap-message-commands.ts), so neither imports
 * the other's file.
 */
import type { ImapCommand } from './imap-command-parser.js';
import type { Piece } from './imap-format.js';
import type { SelectedMailbox } from './imap-selected.js';
import type { MailUser } from './mail-store.js';

export interface ImapHandlerSession {
  readonly user?: MailUser;
  readonly selected?: SelectedMailbox;
  /** Set by ENABLE IMAP4rev2 (RFC 9051 Appendix E). */
  readonly rev2: boolean;
  /** The selected mailbox (the dispatcher guarantees one in the selected state). */
  readonly current: SelectedMailbox;
  untagged(text: string): void;
  untaggedPieces(pieces: Piece[]): void;
  /** The tagged completion, after the untagged updates the client is owed. */
  tagged(tag: string, text: string, allowExpunge?: boolean): void;
  select(selected: SelectedMailbox | undefined): void;
}

/** A command handler; a thrown ImapSyntaxError becomes BAD. */
export type CommandHandler<S = ImapHandlerSession> = (session: S, cmd: ImapCommand) => void;
