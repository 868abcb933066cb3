import { ExpectationError, UsageError } from '../errors.js';
import { parseExpectation, replyMatches, replyWireLines } from '../protocol/expectation.js';
import type { MetaContext } from './meta-context.js';

export const EXPECT_USAGE = '/expect 250|2|4xx|5.7.1|OK|NO|+OK|-ERR|/regex/';

/**
 * `/expect SPEC` (SPEC §10): checks the last complete reply. A match is
 * silent, and a failed reply it accepts (`/expect 5xx` after a 550) no longer
 * fails the script; a mismatch is an ExpectationError, which stops a script
 * with exit 1 and is shown at the terminal.
 */
export function expectCommand(args: string, ctx: MetaContext): void {
  const expectation = parseExpectation(args);
  if (!expectation) throw new UsageError(`usage: ${EXPECT_USAGE}`);
  const reply = ctx.session.lastReply;
  if (!reply) throw new ExpectationError(`expected ${expectation.spec}, but no reply has come yet`);
  if (!replyMatches(expectation, reply)) {
    const got = replyWireLines(reply).at(-1) ?? reply.status;
    throw new ExpectationError(`expected ${expectation.spec}, got ${got}${reply.command ? ` (reply to ${reply.command})` : ''}`);
  }
  ctx.session.acceptFailure(reply);
}
