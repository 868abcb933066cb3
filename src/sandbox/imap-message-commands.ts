/**
 * The sandbox's IMAP commands of the selected state (RFC 9051 §6.4): FETCH,
 * STORE, SEARCH, COPY, MOVE (RFC 6851), EXPUNGE, CLOSE, UNSELECT and their
 * UID forms, with UIDPLUS response codes (COPYUID, RFC 4315).
 */
import type { Mailbox, StoredMessage } from './mail-store.js';
import { argText, ImapSyntaxError, type ImapCommand } from './imap-command-parser.js';
import { fetchData, parseFetchItems, type FetchItem } from './imap-fetch.js';
import { parseSearch, SEARCH_CHARSETS } from './imap-search.js';
import { completed, expectArgs, flagArgs, textArg } from './imap-args.js';
import type { CommandHandler } from './imap-handler.js';
import { compactSequenceSet } from './sequence-set.js';

/** Non-UID FETCH, STORE and SEARCH must not be interrupted by EXPUNGE (RFC 9051 §7.5.1). */
const expungeAllowed = (uid: boolean): boolean => uid;

function fetchCommand(uid: boolean): CommandHandler {
  return (session, cmd) => {
    const [setArg, itemsArg] = expectArgs(cmd, 2, 'sequence-set items');
    const sel = session.current;
    const messages = sel.resolve(argText(setArg), uid);
    let items = parseFetchItems(itemsArg);
    // UID FETCH always reports the UID (RFC 9051 §6.4.9).
    if (uid && !items.some((i) => i.kind === 'UID')) items = [{ kind: 'UID' }, ...items];
    const marksSeen = !sel.readOnly && items.some((i) => i.kind === 'body' && !i.peek);
    for (const [seq, message] of messages) {
      let shown: FetchItem[] = items;
      // Reading a body without PEEK sets \Seen, and the client hears of it (RFC 9051 §6.4.5).
      if (marksSeen && !message.flags.has('\\Seen')) {
        message.flags.add('\\Seen');
        if (!items.some((i) => i.kind === 'FLAGS')) shown = [...items, { kind: 'FLAGS' }];
      }
      session.untaggedPieces([`${seq} FETCH `, ...fetchData(message, shown, sel.isRecent(message))]);
      if (shown.some((i) => i.kind === 'FLAGS')) sel.noteFlags(message);
    }
    // Other sessions hear of the new \Seen flags (at once if they IDLE).
    if (marksSeen) sel.mailbox.changed();
    session.tagged(cmd.tag, `OK ${completed(cmd)}`, expungeAllowed(uid));
  };
}

function storeCommand(uid: boolean): CommandHandler {
  return (session, cmd) => {
    // STORE set [+|-]FLAGS[.SILENT] flags (RFC 9051 §6.4.6).
    if (cmd.args.length < 3) throw new ImapSyntaxError('Usage: STORE sequence-set [+|-]FLAGS[.SILENT] (flags)');
    const sel = session.current;
    const messages = sel.resolve(argText(cmd.args[0]), uid);
    const m = /^([+-]?)FLAGS(\.SILENT)?$/i.exec(argText(cmd.args[1]) ?? '');
    if (!m) throw new ImapSyntaxError('STORE takes FLAGS, +FLAGS or -FLAGS (optionally .SILENT)');
    const flags = flagArgs(cmd.args.slice(2));
    if (sel.readOnly) return session.tagged(cmd.tag, 'NO Mailbox is read-only (EXAMINE)', expungeAllowed(uid));
    for (const [seq, message] of messages) {
      if (m[1] === '') message.flags.clear();
      for (const flag of flags) {
        if (m[1] === '-') message.flags.delete(flag);
        else message.flags.add(flag);
      }
      if (!m[2]) session.untaggedPieces([`${seq} FETCH `, ...fetchData(message, uid ? [{ kind: 'UID' }, { kind: 'FLAGS' }] : [{ kind: 'FLAGS' }], sel.isRecent(message))]);
      // .SILENT: the client knows what it asked for (RFC 9051 §6.4.6).
      sel.noteFlags(message);
    }
    sel.mailbox.changed();
    session.tagged(cmd.tag, `OK ${completed(cmd)}`, expungeAllowed(uid));
  };
}

/** ESEARCH (RFC 9051 §7.3.4): `* ESEARCH (TAG "A1") UID MIN 1 MAX 9 COUNT 3 ALL 1,4,9`. */
function esearch(tag: string, uid: boolean, options: string[], numbers: number[]): string {
  const parts = [`ESEARCH (TAG "${tag.replace(/["\\]/g, '\\$&')}")`];
  if (uid) parts.push('UID');
  if (numbers.length > 0) {
    if (options.includes('MIN')) parts.push(`MIN ${numbers[0]}`);
    if (options.includes('MAX')) parts.push(`MAX ${numbers[numbers.length - 1]}`);
  }
  if (options.includes('COUNT')) parts.push(`COUNT ${numbers.length}`);
  if (options.includes('ALL') && numbers.length > 0) parts.push(`ALL ${compactSequenceSet(numbers)}`);
  return parts.join(' ');
}

function searchCommand(uid: boolean): CommandHandler {
  return (session, cmd) => {
    const sel = session.current;
    const query = parseSearch(cmd.args);
    if (query.badCharset !== undefined) {
      return session.tagged(cmd.tag, `NO [BADCHARSET (${SEARCH_CHARSETS.join(' ')})] Unknown charset ${query.badCharset}`, expungeAllowed(uid));
    }
    const maxUid = sel.view.length === 0 ? 0 : sel.view[sel.view.length - 1].uid;
    const numbers: number[] = [];
    sel.view.forEach((message, i) => {
      const context = { seq: i + 1, maxSeq: sel.view.length, maxUid, recent: sel.isRecent(message) };
      if (query.match(message, context)) numbers.push(uid ? message.uid : i + 1);
    });
    // IMAP4rev1 clients get `* SEARCH`, unless they asked for RETURN options.
    if (query.returnOptions || session.rev2) session.untagged(esearch(cmd.tag, uid, query.returnOptions ?? ['ALL'], numbers));
    else session.untagged(`SEARCH${numbers.map((n) => ` ${n}`).join('')}`);
    session.tagged(cmd.tag, `OK ${completed(cmd)}`, expungeAllowed(uid));
  };
}

/** Copies messages into `target`; returns the COPYUID response code (RFC 4315 §3). */
function copyInto(target: Mailbox, messages: StoredMessage[]): string {
  const copies = messages.map((m) => target.append(m.raw, [...m.flags], m.internalDate));
  return `COPYUID ${target.uidValidity} ${compactSequenceSet(messages.map((m) => m.uid))} ${compactSequenceSet(copies.map((c) => c.uid))}`;
}

function copyCommand(uid: boolean, move: boolean): CommandHandler {
  return (session, cmd) => {
    const [setArg, nameArg] = expectArgs(cmd, 2, 'sequence-set mailbox');
    const sel = session.current;
    const messages = sel.resolve(argText(setArg), uid).map(([, m]) => m);
    const name = textArg(nameArg, 'a mailbox name');
    const target = session.user!.mailbox(name);
    if (!target) return session.tagged(cmd.tag, `NO [TRYCREATE] Mailbox ${name} does not exist`);
    if (move && sel.readOnly) return session.tagged(cmd.tag, 'NO Mailbox is read-only (EXAMINE)');
    if (messages.length === 0) return session.tagged(cmd.tag, `OK ${completed(cmd)} (no messages)`);
    const code = copyInto(target, messages);
    if (!move) return session.tagged(cmd.tag, `OK [${code}] ${completed(cmd)}`);
    // MOVE: the COPYUID comes untagged, then the EXPUNGEs, then the completion (RFC 6851 §4.3).
    session.untagged(`OK [${code}] Moved`);
    sel.mailbox.expunge(new Set(messages));
    session.tagged(cmd.tag, `OK ${completed(cmd)}`);
  };
}

function expungeCommand(uid: boolean): CommandHandler {
  return (session, cmd) => {
    const sel = session.current;
    // UID EXPUNGE set only removes those of the set (RFC 4315 §2.1).
    const candidates = uid ? sel.resolve(argText(expectArgs(cmd, 1, 'sequence-set')[0]), true).map(([, m]) => m) : (expectArgs(cmd, 0, ''), sel.view);
    if (sel.readOnly) return session.tagged(cmd.tag, 'NO Mailbox is read-only (EXAMINE)');
    sel.mailbox.expunge(new Set(candidates.filter((m) => m.flags.has('\\Deleted') && !m.expunged)));
    session.tagged(cmd.tag, `OK ${completed(cmd)}`);
  };
}

function closeCommand(expunge: boolean): CommandHandler {
  return (session, cmd: ImapCommand) => {
    expectArgs(cmd, 0, '');
    const sel = session.current;
    // CLOSE expunges silently: no EXPUNGE responses (RFC 9051 §6.4.1).
    if (expunge && !sel.readOnly) sel.mailbox.expunge(new Set(sel.mailbox.messages.filter((m) => m.flags.has('\\Deleted'))));
    session.select(undefined);
    session.tagged(cmd.tag, `OK ${completed(cmd)}`);
  };
}

/** Handlers by command name; all need the selected state. */
export const MESSAGE_COMMANDS: Record<string, CommandHandler> = {
  FETCH: fetchCommand(false),
  'UID FETCH': fetchCommand(true),
  STORE: storeCommand(false),
  'UID STORE': storeCommand(true),
  SEARCH: searchCommand(false),
  'UID SEARCH': searchCommand(true),
  COPY: copyCommand(false, false),
  'UID COPY': copyCommand(true, false),
  MOVE: copyCommand(false, true),
  'UID MOVE': copyCommand(true, true),
  EXPUNGE: expungeCommand(false),
  'UID EXPUNGE': expungeCommand(true),
  CLOSE: closeCommand(true),
  UNSELECT: closeCommand(false),
};
