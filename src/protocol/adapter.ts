import type { ServerLine } from '../framing/line-reader.js';
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
  | { type: 'notice'; level: 'info' | 'warn'; text: string };

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
   * The input that follows must wait for this command's reply, because the
   * reply changes how it is read (DATA, AUTH, STARTTLS).
   */
  blocking: boolean;
  /**
   * A note to show before the line goes out: it is probably not what was
   * meant (an unknown command, a line other than DONE during IDLE).
   */
  hint?: string;
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
   * Words for Tab completion: with nothing `before` (the words of the command
   * typed so far, without a tag), the protocol's commands; after them, what
   * that argument can be: the announced SASL mechanisms after AUTH, FETCH
   * items, the IMAP mailbox names seen. [] where nothing fits.
   */
  completionWords(before: readonly string[]): readonly string[];
  /** Whether responses carry `{N}` literals that framing must pass through raw. */
  readonly literals: boolean;
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
  /** The connection is now TLS: forget what was learned in plaintext (RFC 3207 §4.2). */
  tlsStarted(): AdapterEvent[];
}
