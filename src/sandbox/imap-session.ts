/**
 * One IMAP connection of the sandbox: a small IMAP4rev2 server (RFC 9051)
 * that also answers IMAP4rev1 clients, with LITERAL+ (RFC 7888), SASL-IR
 * (RFC 4959), IDLE (RFC 2177), UIDPLUS, MOVE, NAMESPACE, ID and ENABLE.
 * Pure and synchronous: whole commands in (literals already gathered by
 * the server), response bytes out through `send`.
 *
 * States (RFC 9051 §3): not authenticated → authenticated → selected, and
 * logout. Modes within them: commands, a SASL exchange, or IDLE.
 */
import { VERSION } from '../version.js';
import type { MailStore, MailUser } from './mail-store.js';
import { argText, ImapSyntaxError, parseImapCommand, type CommandParts, type ImapArg, type ImapCommand } from './imap-command-parser.js';
import { flagList, mailboxName, nstring, parseImapDate, toBytes, type Piece } from './imap-format.js';
import { MESSAGE_COMMANDS } from './imap-message-commands.js';
import { SelectedMailbox } from './imap-selected.js';
import { completed, expectArgs, flagArgs, PERMANENT_FLAGS, textArg } from './imap-args.js';
import { decodeSaslLine, SASL_MECHANISMS, startSasl, type SaslExchange } from './sasl-server.js';

export type ImapState = 'not-authenticated' | 'authenticated' | 'selected' | 'logout';

type Mode = { kind: 'command' } | { kind: 'sasl'; tag: string; exchange: SaslExchange } | { kind: 'idle'; tag: string };

/** What the session needs from its connection. */
export interface ImapSessionIo {
  send(data: Buffer | string): void;
  /** Sends a last response and closes. */
  close(last: string): void;
  /** Upgrades the connection to TLS in place; undefined when TLS is already on. */
  startTls?: () => void;
}

/** A command handler; a thrown ImapSyntaxError becomes BAD. */
export type CommandHandler = (session: ImapSession, cmd: ImapCommand) => void;

const ANY: readonly ImapState[] = ['not-authenticated', 'authenticated', 'selected'];
const AUTHENTICATED: readonly ImapState[] = ['authenticated', 'selected'];
const SELECTED: readonly ImapState[] = ['selected'];

export class ImapSession {
  state: ImapState = 'not-authenticated';
  user?: MailUser;
  selected?: SelectedMailbox;
  /** Set by ENABLE IMAP4rev2: no \Recent, SEARCH answers with ESEARCH (RFC 9051 Appendix E). */
  rev2 = false;
  private mode: Mode = { kind: 'command' };
  private stopWatching?: () => void;

  constructor(
    readonly store: MailStore,
    private readonly io: ImapSessionIo,
  ) {}

  /** The greeting, with capabilities so clients need not ask (RFC 9051 §7.1). */
  greet(): void {
    this.untagged(`OK [CAPABILITY ${this.capabilities()}] mailsh sandbox IMAP4rev2 ready`);
  }

  /** Whether the next line is not a command (a SASL response, or DONE ending IDLE): no literals. */
  get expectsRawLine(): boolean {
    return this.mode.kind !== 'command';
  }

  /** A line while in a SASL exchange or IDLE. */
  onRawLine(line: string): void {
    const mode = this.mode;
    if (mode.kind === 'sasl') {
      const decoded = decodeSaslLine(line);
      if ('cancel' in decoded) return this.finishSasl(mode.tag, 'BAD Authentication cancelled');
      if ('invalid' in decoded) return this.finishSasl(mode.tag, 'BAD Invalid base64 data');
      this.saslStep(mode.tag, mode.exchange, decoded.data);
    } else if (mode.kind === 'idle') {
      this.mode = { kind: 'command' };
      // RFC 2177 §3: anything but DONE ends IDLE as a protocol error.
      this.tagged(mode.tag, line.toUpperCase() === 'DONE' ? 'OK Idle completed' : 'BAD Expected DONE');
    }
  }

  /** A whole command, literals included. */
  onCommand(parts: CommandParts): void {
    let cmd: ImapCommand;
    try {
      cmd = parseImapCommand(parts);
    } catch (err) {
      if (!(err instanceof ImapSyntaxError)) throw err;
      this.bad(err.tag, err.message);
      return;
    }
    const entry = COMMANDS[cmd.name];
    if (!entry) return this.bad(cmd.tag, `Unknown command ${cmd.name}${cmd.name === 'CHECK' ? ' (removed in IMAP4rev2; use NOOP)' : ''}`);
    if (!entry.states.includes(this.state)) return this.bad(cmd.tag, `${cmd.name} is not valid ${stateWords(this.state, entry.states)}`);
    try {
      entry.handler(this, cmd);
    } catch (err) {
      if (!(err instanceof ImapSyntaxError)) throw err;
      this.bad(cmd.tag, err.message);
    }
  }

  /** The connection is gone: stop listening for mailbox changes. */
  closed(): void {
    this.stopWatching?.();
    this.state = 'logout';
  }

  // --- responses -----------------------------------------------------------

  untagged(text: string): void {
    this.io.send(`* ${text}\r\n`);
  }

  untaggedPieces(pieces: Piece[]): void {
    this.io.send(toBytes(['* ', ...pieces, '\r\n']));
  }

  /** The tagged completion, after the untagged updates the client is owed (RFC 9051 §7.5.1). */
  tagged(tag: string, text: string, allowExpunge = true): void {
    this.sendUpdates(allowExpunge);
    this.io.send(`${tag} ${text}\r\n`);
  }

  private bad(tag: string | undefined, message: string): void {
    this.io.send(`${tag ?? '*'} BAD ${message}\r\n`);
  }

  private sendUpdates(allowExpunge: boolean): void {
    for (const line of this.selected?.updates(allowExpunge, this.rev2) ?? []) this.untagged(line);
  }

  capabilities(): string {
    const caps = ['IMAP4rev1', 'IMAP4rev2', 'LITERAL+', 'SASL-IR', 'ENABLE', 'ID', 'IDLE', 'NAMESPACE', 'UIDPLUS', 'MOVE', 'UNSELECT', 'SPECIAL-USE'];
    if (this.state === 'not-authenticated') {
      if (this.io.startTls) caps.push('STARTTLS');
      caps.push(...SASL_MECHANISMS.map((m) => `AUTH=${m}`));
    }
    return caps.join(' ');
  }

  // --- helpers for the command handlers ------------------------------------

  /** The selected mailbox (the dispatcher guarantees one in the selected state). */
  get current(): SelectedMailbox {
    return this.selected!;
  }

  select(selected: SelectedMailbox | undefined): void {
    this.stopWatching?.();
    this.stopWatching = undefined;
    this.selected = selected;
    this.state = selected ? 'selected' : 'authenticated';
    if (selected) this.stopWatching = this.watchSelected();
  }

  /** Changes to the mailbox go out at once during IDLE; otherwise they wait for the next completion. */
  private watchSelected(): () => void {
    return this.selected!.mailbox.watch(() => {
      if (this.mode.kind === 'idle') this.sendUpdates(true);
    });
  }

  loggedIn(tag: string, user: MailUser): void {
    this.user = user;
    this.state = 'authenticated';
    this.tagged(tag, `OK [CAPABILITY ${this.capabilities()}] Logged in`);
  }

  // --- SASL ------------------------------------------------------------------

  startAuthenticate(tag: string, mechanism: string, initial: string | undefined): void {
    const exchange = startSasl(mechanism, this.store);
    if (!exchange) return this.tagged(tag, `NO Unsupported authentication mechanism ${mechanism}`);
    let data: Buffer | undefined;
    if (initial !== undefined) {
      const decoded = decodeSaslLine(initial);
      if (!('data' in decoded)) return this.tagged(tag, 'BAD Invalid initial response');
      data = decoded.data;
    }
    this.saslStep(tag, exchange, data);
  }

  private saslStep(tag: string, exchange: SaslExchange, data: Buffer | undefined): void {
    const step = exchange.step(data);
    if ('challenge' in step) {
      this.mode = { kind: 'sasl', tag, exchange };
      this.io.send(`+ ${step.challenge.toString('base64')}\r\n`);
    } else if ('user' in step) {
      this.mode = { kind: 'command' };
      this.loggedIn(tag, step.user);
    } else {
      this.finishSasl(tag, `NO [AUTHENTICATIONFAILED] ${step.failure}`);
    }
  }

  private finishSasl(tag: string, text: string): void {
    this.mode = { kind: 'command' };
    this.tagged(tag, text);
  }

  startIdle(tag: string): void {
    this.mode = { kind: 'idle', tag };
    this.io.send('+ idling\r\n');
    // Whatever happened before IDLE is due now (RFC 2177 §3).
    this.sendUpdates(true);
  }

  logout(tag: string): void {
    this.state = 'logout';
    this.stopWatching?.();
    this.untagged('BYE mailsh sandbox logging out');
    this.io.close(`${tag} OK Logout completed\r\n`);
  }

  startTls(tag: string): void {
    if (!this.io.startTls) return this.bad(tag, 'TLS is already active');
    this.tagged(tag, 'OK Begin TLS negotiation now');
    this.io.startTls();
    // The capabilities change: STARTTLS is gone (RFC 9051 §6.2.1).
    this.io.startTls = undefined;
  }
}

/** Why a command does not fit the state: what is missing, or what is over (RFC 9051 §3). */
function stateWords(state: ImapState, allowed: readonly ImapState[]): string {
  if (state === 'not-authenticated') return 'before LOGIN or AUTHENTICATE';
  if (allowed.includes('selected')) return 'until a mailbox is selected (SELECT or EXAMINE)';
  return 'once logged in';
}

// --- commands in any state, not authenticated, and authenticated -------------

function mailboxOf(session: ImapSession, arg: ImapArg | undefined) {
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
      const attrs = ['\\HasNoChildren', ...(mailbox.specialUse ? [mailbox.specialUse] : [])];
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
  session.user!.create(name);
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

const COMMANDS: Record<string, { states: readonly ImapState[]; handler: CommandHandler }> = {
  CAPABILITY: {
    states: ANY,
    handler: (s, cmd) => {
      expectArgs(cmd, 0, '');
      s.untagged(`CAPABILITY ${s.capabilities()}`);
      s.tagged(cmd.tag, `OK ${completed(cmd)}`);
    },
  },
  NOOP: { states: ANY, handler: (s, cmd) => s.tagged(cmd.tag, `OK ${completed(cmd)}`) },
  LOGOUT: { states: ANY, handler: (s, cmd) => s.logout(cmd.tag) },
  ID: {
    states: ANY,
    handler: (s, cmd) => {
      // ID (field value …) or ID NIL (RFC 2971 §3.1).
      const [arg] = expectArgs(cmd, 1, '(field value …) | NIL');
      if (!(arg.type === 'list' || (arg.type === 'atom' && arg.value.toUpperCase() === 'NIL'))) throw new ImapSyntaxError('ID takes a list or NIL');
      s.untaggedPieces(['ID (', ...nstring('name'), ' ', ...nstring('mailsh sandbox'), ' ', ...nstring('version'), ' ', ...nstring(VERSION), ')']);
      s.tagged(cmd.tag, `OK ${completed(cmd)}`);
    },
  },
  ENABLE: {
    states: AUTHENTICATED,
    handler: (s, cmd) => {
      if (cmd.args.length === 0) throw new ImapSyntaxError('Usage: ENABLE capability …');
      const wanted = cmd.args.map((a) => (argText(a) ?? '').toUpperCase());
      // Only IMAP4rev2 changes anything here; others are ignored (RFC 5161 §3.1).
      if (wanted.includes('IMAP4REV2')) {
        s.rev2 = true;
        s.untagged('ENABLED IMAP4rev2');
      } else {
        s.untagged('ENABLED');
      }
      s.tagged(cmd.tag, `OK ${completed(cmd)}`);
    },
  },
  STARTTLS: {
    states: ['not-authenticated'],
    handler: (s, cmd) => {
      expectArgs(cmd, 0, '');
      s.startTls(cmd.tag);
    },
  },
  LOGIN: {
    states: ['not-authenticated'],
    handler: (s, cmd) => {
      const [userArg, passArg] = expectArgs(cmd, 2, 'user password');
      const user = s.store.authenticate(textArg(userArg, 'a user name'), textArg(passArg, 'a password'));
      if (user) s.loggedIn(cmd.tag, user);
      else s.tagged(cmd.tag, 'NO [AUTHENTICATIONFAILED] Authentication failed');
    },
  },
  AUTHENTICATE: {
    states: ['not-authenticated'],
    handler: (s, cmd) => {
      if (cmd.args.length < 1 || cmd.args.length > 2) throw new ImapSyntaxError('Usage: AUTHENTICATE mechanism [initial-response]');
      const mechanism = textArg(cmd.args[0], 'a mechanism');
      s.startAuthenticate(cmd.tag, mechanism, cmd.args.length === 2 ? textArg(cmd.args[1], 'an initial response') : undefined);
    },
  },
  SELECT: { states: AUTHENTICATED, handler: selectCommand(false) },
  EXAMINE: { states: AUTHENTICATED, handler: selectCommand(true) },
  CREATE: { states: AUTHENTICATED, handler: createCommand },
  DELETE: { states: AUTHENTICATED, handler: deleteCommand },
  RENAME: { states: AUTHENTICATED, handler: renameCommand },
  SUBSCRIBE: { states: AUTHENTICATED, handler: subscribeCommand(true) },
  UNSUBSCRIBE: { states: AUTHENTICATED, handler: subscribeCommand(false) },
  LIST: { states: AUTHENTICATED, handler: listCommand('LIST') },
  LSUB: { states: AUTHENTICATED, handler: listCommand('LSUB') },
  STATUS: { states: AUTHENTICATED, handler: statusCommand },
  NAMESPACE: {
    states: AUTHENTICATED,
    handler: (s, cmd) => {
      expectArgs(cmd, 0, '');
      s.untagged('NAMESPACE (("" "/")) NIL NIL');
      s.tagged(cmd.tag, `OK ${completed(cmd)}`);
    },
  },
  APPEND: { states: AUTHENTICATED, handler: appendCommand },
  IDLE: {
    states: AUTHENTICATED,
    handler: (s, cmd) => {
      expectArgs(cmd, 0, '');
      s.startIdle(cmd.tag);
    },
  },
  ...Object.fromEntries(Object.entries(MESSAGE_COMMANDS).map(([name, handler]) => [name, { states: SELECTED, handler }])),
};
