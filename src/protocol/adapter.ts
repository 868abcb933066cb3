import type { LiteralChunk, ServerLine } from '../framing/line-reader.js';
import type { MessageEncoder } from '../framing/dot-stuffing.js';
import type { Outgoing } from './outgoing.js';

export type ProtocolName = 'smtp' | 'lmtp' | 'imap' | 'pop3' | 'sieve' | 'line';

/**
 * The outcome class of a reply, which drives colour and the exit status:
 * ok (2xx, OK, +OK), more (3xx, `+` continuation), temp (4xx), fail (5xx, NO,
 * BAD, -ERR), info (untagged or unclassified lines).
 */
export type ReplyClass = 'ok' | 'more' | 'temp' | 'fail' | 'info';

/** A complete reply to a command (or an unsolicited one). */
export interface Reply {
  /** The status as the server wrote it: `250`, `OK`, `NO`, `+OK`, `-ERR`. */
  status: string;
  cls: ReplyClass;
  /** The reply's text lines, without line ends. */
  lines: string[];
  /** The command verb this answers (`EHLO`, `LOGIN`), if any. */
  command?: string;
  /** Lines were left out of `lines` (a response longer than mailsh holds). */
  partial?: boolean;
  /** LMTP: the recipient this reply after DATA is for (RFC 2033 §4.2). */
  recipient?: string;
  /** LMTP: on the last reply after DATA, all the per-recipient replies, this one included. */
  group?: readonly Reply[];
}

/** How one server line should be shown. */
export interface LineView {
  cls: ReplyClass;
  /** `[ALERT]` and the like: shown highlighted. */
  alert?: boolean;
  /** A dim annotation after the line, e.g. a decoded SASL challenge. */
  annotation?: string;
  /** Literal data (a message body): its line ends are data, not violations. */
  literal?: boolean;
  /**
   * What to show instead of the wire bytes, e.g. a POP3 body line without
   * its dot-stuffing; the transcript always keeps the wire bytes.
   */
  shown?: Buffer;
}

export type AdapterEvent =
  | { type: 'reply'; reply: Reply }
  /** The server accepted STARTTLS/STLS: upgrade the connection now. */
  | { type: 'starttls' }
  /** A SASL challenge, base64 as the server sent it (for `/auth` and `{{cram-md5}}`). */
  | { type: 'challenge'; base64: string }
  | { type: 'notice'; level: 'info' | 'warn'; text: string }
  /**
   * A command whose reply decides what the next line is was refused: the
   * lines typed ahead as its data must not go out as commands (SPEC §10).
   */
  | { type: 'refused'; command: string; data: TypedAheadData };

/** What a refused command's typed-ahead data is, so that its last line can be told. */
export type TypedAheadData =
  /** An SMTP message, up to the lone "." (RFC 5321 §4.1.1.4). */
  | { kind: 'message' }
  /** This many more SASL responses (the mechanism's share not yet sent). */
  | { kind: 'sasl'; lines: number }
  /** A literal of this many bytes, then the rest of its command (RFC 9051 §4.3). */
  | { kind: 'literal'; bytes: number };

/**
 * Input under way that quitting would cut short (a message inside DATA, a
 * literal being typed): what state it is, how to finish it, what is lost.
 */
export interface Unfinished {
  state: string;
  finish: string;
  lost: string;
}

/** A warning about a server line that answers nothing (`what` it sent). */
export function unexpected(what: string): AdapterEvent {
  return { type: 'notice', level: 'warn', text: `the server sent ${what}` };
}

/** A protocol's line-length limit: `bytes` with CRLF, and where it comes from. */
export interface LineLimit {
  bytes: number;
  rule: string;
}

/** What a typed line becomes on the wire. */
export interface Prepared {
  out: Outgoing;
  /**
   * A note to show before the line goes out: it is probably not what was
   * meant (an unknown command, a line other than DONE during IDLE).
   */
  hint?: string;
}

/**
 * A message a helper streams from a file (`/send`): through DATA with
 * dot-stuffing (RFC 5321 §4.1.1.4) or as BDAT chunks (RFC 3030). The adapter
 * prepares every byte, as it prepares typed lines, so that it knows which
 * reply is due and what the next line is.
 */
export interface MessageData {
  /** Whether a message may start now: commands, not DATA text or a SASL response. */
  readonly atCommand: boolean;
  /** Whether the text being typed or sent is DATA's message (up to the lone "."). */
  readonly inData: boolean;
  /** Whether the message goes as BDAT chunks: the server offers CHUNKING. */
  readonly chunking: boolean;
  /** The framing/ codec for the file's bytes (CRLF line ends; dot-stuffed for DATA); one per message. */
  messageEncoder(): MessageEncoder;
  /**
   * Encoded message bytes, and with `end` the message's end after them
   * (`encoder`'s end: DATA's ".", or BDAT … LAST). With CHUNKING `command`
   * is the `BDAT n` line to echo; a reply to it, or to the ".", is then due.
   */
  prepareData(bytes: Buffer, end: boolean, encoder: MessageEncoder): { command?: Outgoing; data: Outgoing };
}

/**
 * The literal a command announced (IMAP, ManageSieve), whose bytes a helper
 * sends itself (`/append`, `/putscript`, `/login`) or a tunnel observes.
 */
export interface LiteralData {
  /** Bytes of the literal still to come, or undefined when none is open. */
  readonly literalRemaining: number | undefined;
  /** Whether the open literal carries a credential (undefined outside one). */
  readonly literalSecret: boolean | undefined;
  /**
   * The next `bytes` of the literal (`secret`: masked): counted off, so that
   * after the last one the input is the rest of the command.
   */
  prepareLiteral(bytes: Buffer, secret: boolean): Outgoing;
}

/** IMAP's tags: whether mailsh adds them to typed commands (`/tag`). */
export interface Tagging {
  autoTag: boolean;
}

/**
 * One protocol's pure, synchronous logic (DESIGN layer protocol/): it turns a
 * typed line into wire bytes and server lines into events, and keeps the state
 * the prompt and the script runner need. No sockets, timers or terminals.
 */
export interface ProtocolAdapter {
  readonly protocol: ProtocolName;
  /** Commands sent (or the greeting) still waiting for their final reply. */
  readonly pending: number;
  /** Short state for the prompt: `data`, `auth`, `INBOX`, `+`; '' when plain. */
  readonly promptState: string;
  /** Whether meta commands and helpers apply to the next typed line (not in DATA). */
  readonly metaAllowed: boolean;
  /**
   * The server is waiting for input that is not a new command (a SASL
   * response, IDLE's DONE, a literal): a script must not wait for a reply.
   */
  readonly awaitingInput: boolean;
  /**
   * A command was sent whose reply decides what the next typed line is
   * (DATA, BDAT, AUTH and each SASL response, STARTTLS, IDLE, a synchronizing
   * literal), and that reply (its continuation or final reply) has not come:
   * nothing typed may go out until it has, however many earlier commands are
   * still in flight.
   */
  readonly deciding: boolean;
  /**
   * The line that ends the current state before a goodbye: IDLE's `DONE`
   * (RFC 2177), `*` cancelling a SASL exchange (RFC 4954 §4, RFC 9051
   * §6.2.2, RFC 5034 §4, RFC 5804 §2.1); undefined when none is needed.
   */
  readonly finishLine: string | undefined;
  /** Input under way that a goodbye cannot finish (DATA, a typed literal). */
  readonly unfinished: Unfinished | undefined;
  /**
   * The longest line (bytes, CRLF included) the protocol allows for the next
   * typed line and the rule that says so; mailsh warns past it but still
   * sends (SPEC §2: an admin may be testing exactly that).
   */
  readonly lineLimit: LineLimit | undefined;
  /** Capabilities learned from the server, keyword → parameters. */
  readonly capabilities: ReadonlyMap<string, readonly string[]>;
  prepare(line: string): Prepared;
  receive(line: ServerLine): { view: LineView; events: AdapterEvent[] };
  /** The SASL mechanisms the server announced (SMTP/IMAP `AUTH`, POP3/Sieve `SASL`). */
  readonly mechanisms: readonly string[];
  /**
   * Bytes of a literal the server sent (IMAP, ManageSieve) as they stream in,
   * after the line that announced it: part of the response (`/expect
   * /regex/` sees it), or a ManageSieve SASL challenge (RFC 5804 §1.2).
   */
  receiveLiteral?(chunk: LiteralChunk): void;
  /**
   * Words for Tab completion: with nothing `before` (the words of the command
   * typed so far, without a tag), the protocol's commands; after them, what
   * that argument can be: the announced SASL mechanisms after AUTH, FETCH
   * items, the IMAP mailbox names seen. [] where nothing fits.
   */
  completionWords(before: readonly string[]): readonly string[];
  /** Whether responses carry `{N}` literals that framing must pass through raw. */
  readonly literals: boolean;
  /**
   * Inside a message body that streams as lines (a POP3 RETR or TOP): data
   * still arriving is progress, as for an IMAP literal (issue 21 item 11).
   */
  readonly streaming?: boolean;
  /**
   * What mailsh sends itself for `--starttls`, in order (`EHLO name`,
   * `STARTTLS`); undefined where the protocol has no STARTTLS.
   */
  startTlsCommands(helloName: string): string[] | undefined;
  /**
   * `--pipeline`: whether `line` may go out now, before the replies still due
   * have come (RFC 2920, RFC 9051 §5.5, RFC 2449 §6.6). Absent: never.
   */
  mayPipeline?(line: string): boolean;
  /** The polite goodbye (`QUIT`, `LOGOUT`), if the protocol has one. */
  quitCommand(): string | undefined;
  /** The line of the goodbye mailsh sends itself, where it differs from `quitCommand()` (a tag of its own). */
  goodbyeLine?(): string;
  /** The connection is now TLS: forget what was learned in plaintext (RFC 3207 §4.2). */
  tlsStarted(): AdapterEvent[];
  /** What a protocol with messages offers helpers (SMTP, LMTP); undefined elsewhere. */
  readonly messageData?: MessageData;
  /** What a protocol with client literals offers (IMAP, ManageSieve); undefined elsewhere. */
  readonly literalData?: LiteralData;
  /** IMAP's tagging switch; undefined elsewhere. */
  readonly tagging?: Tagging;
}
