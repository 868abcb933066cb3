import type { Reply } from '../protocol/adapter.js';
import type { Progress } from '../session/send-message.js';
import type { Session } from '../session/session.js';

/** What meta commands may do besides talking to the session. */
export interface MetaContext {
  session: Session;
  /** Prints a local line (never sent). */
  print(text: string): void;
  /** `/log FILE` opens a transcript, `/log off` (undefined) closes it. */
  setLog(file: string | undefined): void;
  /** Polite quit, then the program ends. */
  quit(): Promise<void>;
  progress: Progress;
  /**
   * A secret the user did not type on the line: MAILSH_PASSWORD, else a
   * hidden prompt at a terminal; without one it is a usage error (SPEC §10).
   */
  askSecret(prompt: string): Promise<string>;
  /**
   * A yes/no question at a terminal; scripts never ask, so there it is a
   * usage error (SPEC §8: `--insecure-auth` is the script's answer).
   */
  confirm(question: string): Promise<boolean>;
  /** `--insecure-auth`: send credentials in clear without asking. */
  insecureAuth: boolean;
  /** The URL's or `-u`'s user. */
  defaultUser?: string;
  /**
   * `/expect 5xx` accepted this failed reply: in a script it no longer fails
   * the run (SPEC §10); at a terminal there is nothing to count.
   */
  acceptFailure?(reply: Reply): void;
  /** The terminal's width, when output goes to one (`/help` fits it). */
  readonly columns?: number;
}
