/**
 * One POP3 connection of the sandbox (RFC 1939, CAPA RFC 2449, STLS
 * RFC 2595, AUTH RFC 5034): USER/PASS, APOP, AUTH, STLS, CAPA, STAT, LIST,
 * UIDL, RETR, TOP, DELE, RSET, NOOP and QUIT on the user's INBOX. Pure and
 * synchronous: lines in, response bytes out through `send`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { MessageEncoder } from '../framing/dot-stuffing.js';
import type { MailStore, MailUser, StoredMessage } from './mail-store.js';
import { messageBody, messageHeader } from './message-text.js';
import { decodeSaslLine, SASL_MECHANISMS, startSasl, type SaslExchange } from './sasl-server.js';

type Pop3State = 'authorization' | 'transaction' | 'update';

/** What the session needs from its connection. */
export interface Pop3SessionIo {
  send(data: Buffer | string): void;
  close(last: string): void;
  /** Upgrades to TLS in place; undefined when TLS is already on. */
  startTls?: () => void;
}

/** A multi-line body: dot-stuffed, CRLF line ends, then the "." line (RFC 1939 §3). */
function multiline(body: Buffer): Buffer {
  const encoder = new MessageEncoder(true);
  return Buffer.concat([encoder.push(body), encoder.end()]);
}

export class Pop3Session {
  private state: Pop3State = 'authorization';
  /** The APOP timestamp of the greeting (RFC 1939 §7). */
  private readonly timestamp = `<${randomBytes(6).toString('hex')}.${Date.now()}@localhost>`;
  private userName?: string;
  private sasl?: SaslExchange;
  private user?: MailUser;
  /** The maildrop as listed at login: numbers are indexes + 1 (RFC 1939 §5). */
  private messages: StoredMessage[] = [];
  private readonly deleted = new Set<StoredMessage>();

  constructor(
    private readonly store: MailStore,
    private readonly io: Pop3SessionIo,
  ) {}

  greet(): void {
    this.ok(`mailsh sandbox POP3 ready ${this.timestamp}`);
  }

  private ok(text: string): void {
    this.io.send(text === '' ? '+OK\r\n' : `+OK ${text}\r\n`);
  }

  private err(text: string): void {
    this.io.send(`-ERR ${text}\r\n`);
  }

  onLine(line: string): void {
    if (this.sasl) return this.saslLine(line);
    const [verb = '', ...args] = line.split(' ');
    const name = verb.toUpperCase();
    const [table, other] = this.state === 'authorization' ? [this.authorization, this.transaction] : [this.transaction, this.authorization];
    if (Object.hasOwn(table, name)) return table[name](args);
    if (name === 'CAPA') return this.capa();
    if (name === 'QUIT') return this.quit();
    this.err(Object.hasOwn(other, name) ? `${name} is not valid ${this.state === 'authorization' ? 'before logging in' : 'after logging in'}` : `Unknown command ${verb}`);
  }

  private capa(): void {
    const caps = ['TOP', 'UIDL', 'USER', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', `SASL ${SASL_MECHANISMS.join(' ')}`];
    if (this.state === 'authorization' && this.io.startTls !== undefined) caps.push('STLS');
    caps.push('IMPLEMENTATION mailsh-sandbox');
    this.io.send(`+OK Capability list follows\r\n${caps.join('\r\n')}\r\n.\r\n`);
  }

  private loggedIn(user: MailUser): void {
    this.user = user;
    this.state = 'transaction';
    this.messages = [...user.inbox.messages];
    this.ok(`Logged in, ${this.messages.length} messages`);
  }

  private authFailed(): void {
    this.userName = undefined;
    this.err('[AUTH] Authentication failed');
  }

  private readonly authorization: Record<string, (args: string[]) => void> = {
    USER: (args) => {
      if (args.length !== 1) return this.err('Usage: USER name');
      this.userName = args[0];
      // Same answer whether or not the user exists: nothing to probe.
      this.ok('Send PASS');
    },
    PASS: (args) => {
      if (this.userName === undefined) return this.err('USER first');
      // The password is the rest of the line: it may contain spaces (RFC 1939 §7).
      const user = this.store.authenticate(this.userName, args.join(' '));
      if (user) this.loggedIn(user);
      else this.authFailed();
    },
    APOP: (args) => {
      if (args.length !== 2) return this.err('Usage: APOP name digest');
      const user = this.store.user(args[0]);
      const digest = user && createHash('md5').update(this.timestamp + user.password).digest('hex');
      if (user && digest === args[1].toLowerCase()) this.loggedIn(user);
      else this.authFailed();
    },
    AUTH: (args) => {
      if (args.length === 0) {
        this.io.send(`+OK Mechanisms follow\r\n${SASL_MECHANISMS.join('\r\n')}\r\n.\r\n`);
        return;
      }
      if (args.length > 2) return this.err('Usage: AUTH mechanism [initial-response]');
      const exchange = startSasl(args[0], this.store);
      if (!exchange) return this.err(`Unsupported mechanism ${args[0]}`);
      if (args.length === 1) return this.saslStep(exchange, undefined);
      this.sasl = exchange;
      this.saslLine(args[1]);
    },
    STLS: (args) => {
      if (args.length !== 0) return this.err('Usage: STLS');
      if (!this.io.startTls) return this.err('TLS is already active');
      this.ok('Begin TLS negotiation');
      this.io.startTls();
      this.io.startTls = undefined;
    },
  };

  private saslLine(line: string): void {
    const exchange = this.sasl!;
    this.sasl = undefined;
    const decoded = decodeSaslLine(line);
    if ('cancel' in decoded) return this.err('Authentication cancelled');
    if ('invalid' in decoded) return this.err('Invalid base64 data');
    this.saslStep(exchange, decoded.data);
  }

  private saslStep(exchange: SaslExchange, data: Buffer | undefined): void {
    const step = exchange.step(data);
    if ('challenge' in step) {
      this.sasl = exchange;
      this.io.send(`+ ${step.challenge.toString('base64')}\r\n`);
    } else if ('user' in step) {
      this.loggedIn(step.user);
    } else {
      this.authFailed();
    }
  }

  /** The message numbered `arg` that is not deleted, or undefined after an -ERR. */
  private message(arg: string | undefined): [number, StoredMessage] | undefined {
    const n = Number(arg);
    const message = /^\d+$/.test(arg ?? '') ? this.messages[n - 1] : undefined;
    if (!message || this.deleted.has(message)) {
      this.err(message ? `Message ${n} is deleted` : `No such message ${arg ?? ''}`.trim());
      return undefined;
    }
    return [n, message];
  }

  /** LIST and UIDL: one message with an argument, else all, as a multi-line list. */
  private listing(args: string[], value: (m: StoredMessage) => string | number): void {
    if (args.length > 1) return this.err('Too many arguments');
    if (args.length === 1) {
      const found = this.message(args[0]);
      if (found) this.ok(`${found[0]} ${value(found[1])}`);
      return;
    }
    const lines = this.messages.flatMap((m, i) => (this.deleted.has(m) ? [] : [`${i + 1} ${value(m)}\r\n`]));
    this.io.send(`+OK ${lines.length} messages\r\n${lines.join('')}.\r\n`);
  }

  private readonly transaction: Record<string, (args: string[]) => void> = {
    STAT: () => {
      const live = this.messages.filter((m) => !this.deleted.has(m));
      this.ok(`${live.length} ${live.reduce((sum, m) => sum + m.raw.length, 0)}`);
    },
    LIST: (args) => this.listing(args, (m) => m.raw.length),
    // A unique id that survives sessions (RFC 1939 §7): the IMAP UIDVALIDITY and UID.
    UIDL: (args) => this.listing(args, (m) => `${this.user!.inbox.uidValidity}.${m.uid}`),
    RETR: (args) => {
      const found = this.message(args[0]);
      if (!found) return;
      found[1].flags.add('\\Seen');
      this.user!.inbox.changed();
      this.io.send(Buffer.concat([Buffer.from(`+OK ${found[1].raw.length} octets\r\n`), multiline(found[1].raw)]));
    },
    TOP: (args) => {
      if (args.length !== 2 || !/^\d+$/.test(args[1])) return this.err('Usage: TOP message lines');
      const found = this.message(args[0]);
      if (!found) return;
      // The header, the empty line, then the first N lines of the body (RFC 1939 §7).
      const raw = found[1].raw;
      const bodyLines = messageBody(raw).toString('latin1').split('\r\n');
      const top = bodyLines.slice(0, Number(args[1])).map((l) => `${l}\r\n`).join('');
      this.io.send(Buffer.concat([Buffer.from('+OK Top of message follows\r\n'), multiline(Buffer.concat([messageHeader(raw), Buffer.from(top, 'latin1')]))]));
    },
    DELE: (args) => {
      const found = this.message(args[0]);
      if (!found) return;
      this.deleted.add(found[1]);
      this.ok(`Message ${found[0]} deleted`);
    },
    NOOP: () => this.ok(''),
    RSET: () => {
      this.deleted.clear();
      this.ok(`${this.messages.length} messages`);
    },
  };

  /** QUIT in the transaction state enters UPDATE: deleted messages go (RFC 1939 §6). */
  private quit(): void {
    if (this.state === 'transaction') {
      this.state = 'update';
      this.user!.inbox.expunge(new Set([...this.deleted].filter((m) => !m.expunged)));
      return this.io.close(`+OK Logging out (${this.deleted.size} messages deleted)\r\n`);
    }
    this.io.close('+OK Logging out\r\n');
  }
}
