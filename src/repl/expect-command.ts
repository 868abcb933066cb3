import { ExpectationError, UsageError } from '../errors.js';
import { mismatch, parseExpectation, replyWireLines } from '../protocol/expectation.js';
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
  const failed = mismatch(expectation, reply);
  if (failed) {
    const got = replyWireLines(failed).at(-1) ?? failed.status;
    const to = [failed.command && `reply to ${failed.command}`, failed.recipient && `for ${failed.recipient}`].filter(Boolean).join(' ');
    const cut = failed.partial ? '; the response was longer than mailsh holds, and the regex saw only part of it' : '';
    throw new ExpectationError(`expected ${expectation.spec}, got ${got}${to ? ` (${to})` : ''}${cut}`);
  }
  for (const r of reply.group ?? [reply]) ctx.acceptFailure?.(r);
}
