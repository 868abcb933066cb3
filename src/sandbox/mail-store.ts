/**
 * The sandbox's mail, in memory only: users, their mailboxes and messages,
 * shared by the SMTP, IMAP and POP3 servers. Gone when the sandbox stops.
 */

/** One message as IMAP sees it (RFC 9051 §2.3). `raw` keeps the exact bytes, CRLF line ends. */
export interface StoredMessage {
  uid: number;
  flags: Set<string>;
  internalDate: Date;
  raw: Buffer;
  /** RFC 3501 \Recent: new since some session last selected the mailbox. */
  recent: boolean;
  /** Set once expunged: sessions still showing it must send EXPUNGE. */
  expunged: boolean;
}

/** Mailboxes every user starts with, with their RFC 6154 special-use attributes. */
const DEFAULT_MAILBOXES: readonly [string, string | undefined][] = [
  ['INBOX', undefined],
  ['Drafts', '\\Drafts'],
  ['Sent', '\\Sent'],
  ['Junk', '\\Junk'],
  ['Trash', '\\Trash'],
];

/** A mailbox: messages in UID order, a UID counter and change listeners (IDLE). */
export class Mailbox {
  readonly messages: StoredMessage[] = [];
  uidNext = 1;
  subscribed = true;
  private readonly listeners = new Set<() => void>();

  constructor(
    public name: string,
    readonly uidValidity: number,
    readonly specialUse?: string,
  ) {}

  /** Adds a message with the next UID and tells the listeners. */
  append(raw: Buffer, flags: Iterable<string> = [], internalDate = new Date()): StoredMessage {
    const message: StoredMessage = { uid: this.uidNext++, flags: new Set(flags), internalDate, raw, recent: true, expunged: false };
    this.messages.push(message);
    this.changed();
    return message;
  }

  /** Removes the given messages (IMAP EXPUNGE, POP3 QUIT) and tells the listeners. */
  expunge(which: ReadonlySet<StoredMessage>): void {
    if (which.size === 0) return;
    for (const message of which) message.expunged = true;
    const kept = this.messages.filter((m) => !which.has(m));
    this.messages.splice(0, this.messages.length, ...kept);
    this.changed();
  }

  /** Calls `listener` after every change; returns the function that stops it. */
  watch(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** A sandbox user: a password (kept in clear: every SASL mechanism needs it) and mailboxes. */
export class MailUser {
  readonly mailboxes = new Map<string, Mailbox>();

  constructor(
    readonly name: string,
    readonly password: string,
    private readonly nextUidValidity: () => number,
  ) {
    for (const [mailbox, use] of DEFAULT_MAILBOXES) this.create(mailbox, use);
  }

  /** The mailbox called `name`; INBOX in any case is INBOX (RFC 9051 §5.1). */
  mailbox(name: string): Mailbox | undefined {
    return this.mailboxes.get(mailboxKey(name));
  }

  get inbox(): Mailbox {
    return this.mailbox('INBOX')!;
  }

  create(name: string, specialUse?: string): Mailbox {
    const mailbox = new Mailbox(mailboxKey(name), this.nextUidValidity(), specialUse);
    this.mailboxes.set(mailbox.name, mailbox);
    return mailbox;
  }
}

/** INBOX is case-insensitive; every other name is kept as given. */
export function mailboxKey(name: string): string {
  return name.toUpperCase() === 'INBOX' ? 'INBOX' : name;
}

/** All users of one sandbox; addresses are `NAME@domain`. */
export class MailStore {
  private readonly users = new Map<string, MailUser>();
  private uidValidity = Math.floor(Date.now() / 1000);

  constructor(readonly domain = 'localhost') {}

  addUser(name: string, password: string): MailUser {
    const user = new MailUser(name, password, () => this.uidValidity++);
    this.users.set(name.toLowerCase(), user);
    return user;
  }

  /** Users are looked up case-insensitively, like most real servers do. */
  user(name: string): MailUser | undefined {
    return this.users.get(name.toLowerCase());
  }

  /** The user whose password matches, or undefined. */
  authenticate(name: string, password: string): MailUser | undefined {
    const user = this.user(name);
    return user && user.password === password ? user : undefined;
  }

  /** The local user an address belongs to (`name@domain`, domain case-insensitive). */
  localUser(address: string): MailUser | undefined {
    const at = address.lastIndexOf('@');
    if (at < 0 || address.slice(at + 1).toLowerCase() !== this.domain.toLowerCase()) return undefined;
    return this.user(address.slice(0, at));
  }

  /** Whether an address is in the sandbox's own domain (existing user or not). */
  isLocalDomain(address: string): boolean {
    return address.slice(address.lastIndexOf('@') + 1).toLowerCase() === this.domain.toLowerCase();
  }

  get userList(): MailUser[] {
    return [...this.users.values()];
  }
}
