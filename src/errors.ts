/**
 * Error families (DESIGN.md rule 3). A CommandError is a server saying no and
 * the session goes on; everything here ends the session or the program with a
 * one-line message and a stable exit status (SPEC §1), never a stack trace.
 */

/** Exit statuses from SPEC §1. */
export const EXIT = {
  ok: 0,
  commandFailed: 1,
  usage: 2,
  connection: 3,
  timeout: 4,
  /** Ended by Ctrl-C while connecting, or by SIGINT, SIGTERM or SIGHUP (128 + SIGINT, as shells report it). */
  interrupted: 130,
} as const;
export type ExitStatus = (typeof EXIT)[keyof typeof EXIT];

/** An error of ours, reported as one line with its own exit status. */
export abstract class UserError extends Error {
  abstract readonly exitStatus: ExitStatus;
}

/** A mistake in what the user typed or passed: exit 2. */
export class UsageError extends UserError {
  readonly exitStatus = EXIT.usage;
}

/** A connection or TLS failure: exit 3. */
export class ConnectionError extends UserError {
  readonly exitStatus = EXIT.connection;
}

/** No answer in time: exit 4. */
export class TimeoutError extends UserError {
  readonly exitStatus = EXIT.timeout;
}

/** A signal ended the session (SIGINT, SIGTERM, SIGHUP): exit 130. */
export class InterruptedError extends UserError {
  readonly exitStatus = EXIT.interrupted;
}

/**
 * Authentication did not succeed, or the server could not prove who it is
 * (a wrong SCRAM server signature): exit 1, like any failed command.
 */
export class AuthError extends UserError {
  readonly exitStatus = EXIT.commandFailed;
}

/** A reply differed from what a script's `/expect` asked for (SPEC §10): exit 1. */
export class ExpectationError extends UserError {
  readonly exitStatus = EXIT.commandFailed;
}

/** Stable codes for malformed or hostile server input that ends a session. */
export type ProtocolErrorCode = 'LINE_TOO_LONG' | 'REPLY_TOO_LONG' | 'LITERAL_TOO_LARGE';

/** The server broke the protocol so badly that the session must close: exit 3. */
export class ProtocolError extends UserError {
  readonly exitStatus = EXIT.connection;
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The exit status an error maps to; unknown errors are bugs and map to 1. */
export function exitStatusOf(err: unknown): ExitStatus {
  return err instanceof UserError ? err.exitStatus : EXIT.commandFailed;
}

/** Whether an error is one of ours (message only) or a bug (show the stack). */
export function isUserFacing(err: unknown): boolean {
  return err instanceof UserError;
}
