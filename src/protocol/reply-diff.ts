import type { Reply } from './adapter.js';
import { replyWireLines } from './expectation.js';

/** One place where a replayed session's replies differ from the recorded ones. */
export interface ReplyDifference {
  /** Position among the compared replies, from 1 (the greeting is 1). */
  index: number;
  recorded?: Reply;
  replayed?: Reply;
}

/**
 * The replies worth comparing: a SASL exchange's intermediate challenges
 * (`334`, `+`) depend on the mechanism's framing and nonces, so only its
 * outcome counts.
 */
function comparable(replies: readonly Reply[]): Reply[] {
  return replies.filter((r) => !(r.cls === 'more' && (r.command === 'AUTH' || r.command === 'AUTHENTICATE')));
}

/** Whether two replies agree: status (SMTP code, OK/NO/BAD, +OK/-ERR); with `strict`, the text too. */
function same(a: Reply, b: Reply, strict: boolean): boolean {
  if (a.status.toUpperCase() !== b.status.toUpperCase()) return false;
  return !strict || replyWireLines(a).join('\n') === replyWireLines(b).join('\n');
}

/**
 * Compares recorded and replayed replies in order (each protocol's adapter
 * already matched them to their commands); a reply on one side only is a
 * difference too.
 */
export function compareReplies(recorded: readonly Reply[], replayed: readonly Reply[], strict: boolean): { compared: number; differences: ReplyDifference[] } {
  const a = comparable(recorded);
  const b = comparable(replayed);
  const differences: ReplyDifference[] = [];
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] && b[i] && same(a[i], b[i], strict)) continue;
    differences.push({ index: i + 1, recorded: a[i], replayed: b[i] });
  }
  return { compared: n, differences };
}
