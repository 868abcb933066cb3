import type { OpenConn } from '../transport/connection.js';

/** The program's streams and environment: process.* in bin.ts, streams of a test in-process. */
export interface CliIo {
  readonly stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  /** Whether stdin is a terminal (else the input is a script). */
  stdinIsTerminal: boolean;
  /** The descriptor under `stdin` (0), probed for a script file; in-process runs have none. */
  stdinFd?: number;
  /** How sessions connect (tests: a scripted peer); default Connection.open. */
  open?: OpenConn;
  /**
   * Calls `listener` once on the first SIGINT, SIGTERM or SIGHUP instead of
   * dying of it; returns the unsubscribe. A signal after that one kills.
   */
  onInterrupt?(listener: (signal: NodeJS.Signals) => void): () => void;
}
