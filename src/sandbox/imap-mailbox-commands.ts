/**
 * The sandbox's IMAP commands on mailboxes (RFC 9051 §6.3), valid once
 * logged in: SELECT, EXAMINE, CREATE, DELETE, RENAME, SUBSCRIBE,
 * UNSUBSCRIBE, LIST, LSUB, STATUS and APPEND (with UIDPLUS APPENDUID).
 */
import { argText, ImapSyntaxError, type ImapArg } from './imap-command-parser.js';
import { completed, expectArgs, flagArgs, PERMANENT_FLAGS, textArg } from './imap-args.js';
import { flagList, mailboxName, parseImapDate } from './imap-format.js';
import { SelectedMailbox } from './imap-selected.js';
import type { Mailbox } from './mail-store.js';
import type { CommandHandler, ImapHandlerSession } from './imap-handler.js';

function mailboxOf(session: ImapHandlerSession, arg: ImapArg | undefined): { name: string; mailbox: Mailbox | undefined } {
  const name = textArg(arg, 'a mailbox name');
  return { name, mailbox: session.user!.mailbox(name) };
}

function selectCommand(readOnly: boolean): CommandHandler {
  return (session, cmd) => {
    const [arg] = expectArgs(cmd, 1, 'mailbox');
    const { name, mailbox } = mailboxOf(session, arg);
    // Selecting closes the current mailbox, even when the new one fails (RFC 9051 §6.3.2).
    if (session.selected) {
      session.select(undefined);
      if (session.rev2) session.untagged('OK [CLOSED] Previous mailbox closed');
    }
    if (!mailbox) return session.tagged(cmd.tag, `NO [NONEXISTENT] Mailbox ${name} does not exist`);
    const selected = new SelectedMailbox(mailbox, readOnly);
    const { view } = selected;
    session.untagged(`FLAGS ${flagList(PERMANENT_FLAGS)}`);
    session.untagged(`OK [PERMANENTFLAGS ${flagList(readOnly ? [] : [...PERMANENT_FLAGS, '\\*'])}] Flags permitted`);
    session.untagged(`${view.length} EXISTS`);
    if (!session.rev2) {
      session.untagged(`${selected.recentCount} RECENT`);
      const unseen = view.findIndex((m) => !m.flags.has('\\Seen'));
      if (unseen >= 0) session.untagged(`OK [UNSEEN ${unseen + 1}] First unseen`);
    }
    session.untagged(`OK [UIDVALIDITY ${mailbox.uidValidity}] UIDs valid`);
    session.untagged(`OK [UIDNEXT ${mailbox.uidNext}] Predicted next UID`);
    session.select(selected);
    session.tagged(cmd.tag, `OK [${readOnly ? 'READ-ONLY' : 'READ-WRITE'}] ${completed(cmd)}`);
  };
}

/** A LIST pattern as a regular expression: `*` matches anything, `%` anything but the delimiter. */
function patternRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/%/g, '[^/]*');
  return new RegExp(`^${body}$`);
}

function listCommand(verb: 'LIST' | 'LSUB'): CommandHandler {
  return (session, cmd) => {
    // LIST [(selection options)] reference pattern [RETURN (…)]: options are accepted and ignored.
    let args = cmd.args;
    if (verb === 'LIST' && args[0]?.type === 'list') args = args.slice(1);
    if (verb === 'LIST' && argText(args[2])?.toUpperCase() === 'RETURN' && args[3]?.type === 'list') args = args.slice(0, 2);
    if (args.length !== 2) throw new ImapSyntaxError(`Usage: ${verb} reference pattern`);
    const reference = textArg(args[0], 'a reference');
    const pattern = textArg(args[1], 'a pattern');
    if (pattern === '') {
      // The hierarchy delimiter and root (RFC 9051 §6.3.9).
      session.untagged(`${verb} (\\Noselect) "/" ""`);
      return session.tagged(cmd.tag, `OK ${completed(cmd)}`);
    }
    const re = patternRegExp(reference + pattern);
    // INBOX matches in any case (RFC 9051 §5.1); other names are case-sensitive.
    const inbox = new RegExp(re.source, 'i');
    for (const mailbox of session.user!.mailboxes.values()) {
      const matches = mailbox.name === 'INBOX' ? inbox.test(mailbox.name) : re.test(mailbox.name);
      if (!matches || (verb === 'LSUB' && !mailbox.subscribed)) continue;
      const hasChildren = [...session.user!.mailboxes.keys()].some((other) => other.startsWith(`${mailbox.name}/`));
      const attrs = [hasChildren ? '\\HasChildren' : '\\HasNoChildren', ...(mailbox.specialUse ? [mailbox.specialUse] : [])];
      session.untaggedPieces([`${verb} ${flagList(attrs)} "/" `, ...mailboxName(mailbox.name)]);
    }
    session.tagged(cmd.tag, `OK ${completed(cmd)}`);
  };
}

const STATUS_ITEMS = ['MESSAGES', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'DELETED', 'SIZE', 'RECENT'];

const statusCommand: CommandHandler = (session, cmd) => {
  const [nameArg, itemsArg] = expectArgs(cmd, 2, 'mailbox (items)');
  if (itemsArg.type !== 'list' || itemsArg.items.length === 0) throw new ImapSyntaxError('STATUS needs a list of items');
  const items = itemsArg.items.map((i) => (argText(i) ?? '').toUpperCase());
  const unknown = items.find((i) => !STATUS_ITEMS.includes(i));
  if (unknown !== undefined) throw new ImapSyntaxError(`Unknown STATUS item ${unknown}`);
  const { name, mailbox } = mailboxOf(session, nameArg);
  if (!mailbox) return session.tagged(cmd.tag, `NO [NONEXISTENT] Mailbox ${name} does not exist`);
  const all = mailbox.messages;
  const values: Record<string, number> = {
    MESSAGES: all.length,
    UIDNEXT: mailbox.uidNext,
    UIDVALIDITY: mailbox.uidValidity,
    UNSEEN: all.filter((m) => !m.flags.has('\\Seen')).length,
    DELETED: all.filter((m) => m.flags.has('\\Deleted')).length,
    SIZE: all.reduce((sum, m) => sum + m.raw.length, 0),
    RECENT: all.filter((m) => m.recent).length,
  };
  session.untaggedPieces(['STATUS ', ...mailboxName(mailbox.name), ` (${items.map((i) => `${i} ${values[i]}`).join(' ')})`]);
  session.tagged(cmd.tag, `OK ${completed(cmd)}`);
};

const appendCommand: CommandHandler = (session, cmd) => {
  // APPEND mailbox [(flags)] [date-time] message (RFC 9051 §6.3.12).
  const args = [...cmd.args];
  const message = args.pop();
  if (args.length < 1 || args.length > 3 || message?.type !== 'string') throw new ImapSyntaxError('Usage: APPEND mailbox [(flags)] [date-time] {size}');
  const { name, mailbox } = mailboxOf(session, args[0]);
  const flags = args[1]?.type === 'list' ? flagArgs([args[1]]) : [];
  const dateArg = args.find((a, i) => i > 0 && a.type === 'string');
  const date = dateArg === undefined ? new Date() : parseImapDate(argText(dateArg)!);
  if (!date) throw new ImapSyntaxError('Invalid date-time');
  if (args.length !== 1 + (args[1]?.type === 'list' ? 1 : 0) + (dateArg ? 1 : 0)) throw new ImapSyntaxError('Usage: APPEND mailbox [(flags)] [date-time] {size}');
  if (!mailbox) return session.tagged(cmd.tag, `NO [TRYCREATE] Mailbox ${name} does not exist`);
  const stored = mailbox.append(message.value, flags, date);
  session.tagged(cmd.tag, `OK [APPENDUID ${mailbox.uidValidity} ${stored.uid}] ${completed(cmd)}`);
};

const createCommand: CommandHandler = (session, cmd) => {
  const name = textArg(expectArgs(cmd, 1, 'mailbox')[0], 'a mailbox name').replace(/\/$/, '');
  if (name === '' || session.user!.mailbox(name)) return session.tagged(cmd.tag, `NO [ALREADYEXISTS] Mailbox ${name} already exists`);
  // Missing superior names are created too (RFC 9051 §6.3.4): a/b/c makes a and a/b.
  const levels = name.split('/');
  levels.forEach((_, i) => {
    const level = levels.slice(0, i + 1).join('/');
    if (!session.user!.mailbox(level)) session.user!.create(level);
  });
  session.tagged(cmd.tag, `OK ${completed(cmd)}`);
};

const deleteCommand: CommandHandler = (session, cmd) => {
  const { name, mailbox } = mailboxOf(session, expectArgs(cmd, 1, 'mailbox')[0]);
  if (!mailbox) return session.tagged(cmd.tag, `NO [NONEXISTENT] Mailbox ${name} does not exist`);
  if (mailbox.name === 'INBOX') return session.tagged(cmd.tag, 'NO INBOX cannot be deleted');
  if (session.selected?.mailbox === mailbox) session.select(undefined);
  session.user!.mailboxes.delete(mailbox.name);
  session.tagged(cmd.tag, `OK ${completed(cmd)}`);
};

const renameCommand: CommandHandler = (session, cmd) => {
  const [fromArg, toArg] = expectArgs(cmd, 2, 'mailbox new-name');
  const { name, mailbox } = mailboxOf(session, fromArg);
  const to = textArg(toArg, 'a new name');
  if (!mailbox) return session.tagged(cmd.tag, `NO [NONEXISTENT] Mailbox ${name} does not exist`);
  if (session.user!.mailbox(to)) return session.tagged(cmd.tag, `NO [ALREADYEXISTS] Mailbox ${to} already exists`);
  if (mailbox.name === 'INBOX') {
    // Renaming INBOX moves its messages to the new mailbox and leaves INBOX empty (RFC 9051 §6.3.6).
    const target = session.user!.create(to);
    for (const m of mailbox.messages) target.append(m.raw, m.flags, m.internalDate);
    mailbox.expunge(new Set(mailbox.messages));
  } else {
    session.user!.mailboxes.delete(mailbox.name);
    mailbox.name = to;
    session.user!.mailboxes.set(to, mailbox);
  }
  session.tagged(cmd.tag, `OK ${completed(cmd)}`);
};

function subscribeCommand(subscribed: boolean): CommandHandler {
  return (session, cmd) => {
    const { name, mailbox } = mailboxOf(session, expectArgs(cmd, 1, 'mailbox')[0]);
    if (!mailbox) return session.tagged(cmd.tag, `NO [NONEXISTENT] Mailbox ${name} does not exist`);
    mailbox.subscribed = subscribed;
    session.tagged(cmd.tag, `OK ${completed(cmd)}`);
  };
}

/** Handlers by command name; all need the authenticated (or selected) state. */
export const MAILBOX_COMMANDS: Record<string, CommandHandler> = {
  SELECT: selectCommand(false),
  EXAMINE: selectCommand(true),
  CREATE: createCommand,
  DELETE: deleteCommand,
  RENAME: renameCommand,
  SUBSCRIBE: subscribeCommand(true),
  UNSUBSCRIBE: subscribeCommand(false),
  LIST: listCommand('LIST'),
  LSUB: listCommand('LSUB'),
  STATUS: statusCommand,
  APPEND: appendCommand,
};
