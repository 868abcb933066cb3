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
import { argText, ImapSyntaxError, parseImapCommand, type CommandParts, type ImapCommand } from './imap-command-parser.js';
import { nstring, toBytes, type Piece } from './imap-format.js';
import type { CommandHandler, ImapHandlerSession } from './imap-handler.js';
import { MAILBOX_COMMANDS } from './imap-mailbox-commands.js';
import { MESSAGE_COMMANDS } from './imap-message-commands.js';
import type { SelectedMailbox } from './imap-selected.js';
import { completed, expectArgs, textArg } from './imap-args.js';
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

const ANY: readonly ImapState[] = ['not-authenticated', 'authenticated', 'selected'];
const AUTHENTICATED: readonly ImapState[] = ['authenticated', 'selected'];
const SELECTED: readonly ImapState[] = ['selected'];

export class ImapSession implements ImapHandlerSession {
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

// --- commands in any state, before login, and the session-wide ones after it ---

const COMMANDS: Record<string, { states: readonly ImapState[]; handler: CommandHandler<ImapSession> }> = {
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
  NAMESPACE: {
    states: AUTHENTICATED,
    handler: (s, cmd) => {
      expectArgs(cmd, 0, '');
      s.untagged('NAMESPACE (("" "/")) NIL NIL');
      s.tagged(cmd.tag, `OK ${completed(cmd)}`);
    },
  },
  IDLE: {
    states: AUTHENTICATED,
    handler: (s, cmd) => {
      expectArgs(cmd, 0, '');
      s.startIdle(cmd.tag);
    },
  },
  ...Object.fromEntries(Object.entries(MAILBOX_COMMANDS).map(([name, handler]) => [name, { states: AUTHENTICATED, handler }])),
  ...Object.fromEntries(Object.entries(MESSAGE_COMMANDS).map(([name, handler]) => [name, { states: SELECTED, handler }])),
};
