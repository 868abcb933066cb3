import type { ProtocolAdapter } from '../protocol/adapter.js';
import type { Conn } from '../transport/conn.js';
import type { Transcript } from '../transcript/transcript.js';
import type { NoteLevel } from './session-io.js';
import type { Waits } from './waits.js';

/*
 * Leaving a session (SPEC §3): the polite goodbye and the close without one.
 * Every wait has a deadline: quitting never hangs.
 */

/** What leaving needs of a Session. */
export interface Leaving {
  readonly adapter: ProtocolAdapter;
  readonly connected: boolean;
  readonly connection: Conn | undefined;
  /** The next typed line may go out (no deciding reply is due). */
  readonly accepting: boolean;
  /** Nothing is outstanding. */
  readonly idle: boolean;
  /** How long each wait while quitting may take. */
  readonly goodbyeMs: number;
  readonly waits: Waits;
  readonly transcript: Transcript | undefined;
  /** A goodbye was sent or mailsh closes: the close that follows is expected. */
  quitting: boolean;
  send(line: string): Promise<unknown>;
  noteLine(level: NoteLevel, text: string): void;
}

/**
 * Whether `line` is the goodbye command `bye`, tagged or not (`QUIT`,
 * `a LOGOUT`). The last word is compared first: most lines end there,
 * without a regex or a split.
 */
export function isGoodbye(line: string, bye: string): boolean {
  const text = line.trimEnd();
  if (text.length < bye.length || text.slice(-bye.length).toUpperCase() !== bye) return false;
  return /^\s*(\S+\s+)?$/.test(text.slice(0, -bye.length));
}

/**
 * Polite goodbye: finish the state first (IDLE → DONE and its reply; a SASL
 * exchange → `*` and its reply), then QUIT/LOGOUT, wait briefly for the
 * reply, close. Input under way that a goodbye would join (DATA, a typed
 * literal) is dropped with the connection, noted.
 */
export async function sayGoodbye(session: Leaving): Promise<void> {
  const bye = session.adapter.quitCommand();
  if (session.connected && bye && !session.quitting && (await leaveState(session))) {
    await session.send(session.adapter.goodbyeLine?.() ?? bye);
    await within(session, () => session.idle);
  }
  await closeConnection(session);
}

/** Brings the session to where a goodbye is a command; false when it cannot be. */
async function leaveState(session: Leaving): Promise<boolean> {
  // The reply that decides what the next line is (DATA's 354, IDLE's +, a
  // TLS handshake) may be on its way: a goodbye sent before it could be read as data.
  // After a timeout already reported it is not: the session ends at --timeout, with that one message.
  if (session.waits.timedOut && !session.accepting) {
    session.transcript?.note('closing without a goodbye: the reply that decides what the next line is never came');
    return false;
  }
  if (!(await within(session, () => session.accepting))) {
    session.noteLine('warn', `no reply within ${session.goodbyeMs / 1000}s: closing without a goodbye`);
    return false;
  }
  const unfinished = session.adapter.unfinished;
  if (unfinished) {
    session.noteLine('warn', `closed ${unfinished.state}: ${unfinished.lost}`);
    return false;
  }
  const finish = session.adapter.finishLine;
  if (finish === undefined) return true;
  await session.send(finish);
  return within(session, () => session.idle);
}

/** Waits up to goodbyeMs for a condition; false when time ran out. */
function within(session: Leaving, ready: () => boolean): Promise<boolean> {
  return session.waits.until(ready, session.goodbyeMs).then(
    () => session.connected,
    () => false,
  );
}

/**
 * A reset once the goodbye was answered ends nothing (Cyrus timsieved closes
 * at once after LOGOUT's OK, and our TLS close_notify meets a closed socket):
 * true when `err` is such a reset, noted in the transcript only.
 */
export function resetAfterGoodbye(session: Leaving, err: Error): boolean {
  if (!session.quitting || session.adapter.pending > 0 || !err.message.endsWith(': connection reset by the server')) return false;
  session.transcript?.note(`closed by the server with a reset: ${err.message}`);
  return true;
}

/** Closes the connection without a goodbye (`/close`), waiting for the close. */
export function closeConnection(session: Leaving): Promise<void> {
  const conn = session.connection;
  if (!conn?.isOpen) return Promise.resolve();
  // mailsh closes: the close that follows is expected, not the server's doing.
  session.quitting = true;
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    conn.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    // A server that stopped reading would never see our FIN behind the bytes it left.
    if (conn.backlogged) return conn.destroy();
    timer = setTimeout(() => conn.destroy(), 2000);
    conn.end();
  });
}
