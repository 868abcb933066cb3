import { ConnectionError, TimeoutError } from '../errors.js';
import type { Session } from './session.js';

/**
 * Connects the sessions in order until one is up and greeted (RFC 5321 §5.1:
 * an SMTP client tries the MX hosts by preference and goes on to the next
 * when one cannot be reached). A connection or greeting failure is noted and
 * the next one tried; the last failure, or any other error, is thrown.
 */
export async function connectFirst(attempts: readonly (() => Session)[]): Promise<Session> {
  for (const [i, open] of attempts.entries()) {
    const session = open();
    try {
      await session.connect();
      return session;
    } catch (err) {
      session.connection?.destroy();
      const retry = (err instanceof ConnectionError || err instanceof TimeoutError) && i < attempts.length - 1;
      if (!retry) throw err;
      session.noteLine('warn', `${err.message}; trying the next host`);
    }
  }
  throw new Error('connectFirst needs at least one attempt');
}
