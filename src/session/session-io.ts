import type { LiteralChunk, ServerLine } from '../framing/line-reader.js';
import type { LineView, ProtocolName, Reply } from '../protocol/adapter.js';
import type { Outgoing } from '../protocol/outgoing.js';
import type { ConnectOptions, OpenConn } from '../transport/connection.js';
import type { Transcript } from '../transcript/transcript.js';
import type { Clock } from './waits.js';

/* What a Session is given (its options) and where it reports (its output). */

export type NoteLevel = 'info' | 'warn' | 'error';

/** Where a session's output goes: the REPL screen or script-mode stdout. */
export interface SessionOutput {
  /** A server line as received (raw bytes, how it ended), and how to show it. */
  server(line: ServerLine, view: LineView): void;
  /**
   * Literal bytes as they stream in, for an output that renders them in bulk
   * (script mode); without it, each line of a literal comes to `server`.
   */
  literal?(chunk: LiteralChunk): void;
  /** What was sent, for the echo: secrets are already marked in `out`. */
  sent(out: Outgoing): void;
  note(level: NoteLevel, text: string): void;
  /** The prompt's inputs changed (mode, TLS, mailbox). */
  stateChanged(): void;
  /** Each complete reply, from the greeting on (a script counts the failed ones, SPEC §10). */
  reply?(reply: Reply): void;
}

export interface SessionOptions {
  connect: ConnectOptions;
  /** `auto`: decide from the greeting (SPEC §1). */
  protocol: ProtocolName | 'auto';
  /** `--starttls`: negotiate TLS right after the greeting. */
  starttls: boolean;
  /** The name mailsh uses when it must say EHLO/LHLO itself. */
  ehloName: string;
  /** Reply timeout for scripts and for the greeting. */
  timeoutMs: number;
  maxLine?: number;
  maxLiteral?: number;
  /** `--max-reply-lines`: the longest reply held in memory. */
  maxReplyLines?: number;
  transcript?: Transcript;
  output: SessionOutput;
  /** `--explain`: annotate each complete reply with what its codes mean. */
  explain?: boolean;
  /** The clock of the reply timeouts (tests run them without sleeping). */
  clock?: Clock;
  /** How to connect: `Connection.open`; tests hand in a scripted peer. */
  open?: OpenConn;
}
