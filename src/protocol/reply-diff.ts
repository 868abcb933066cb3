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

const commandOf = (r: Reply): string => (r.command ?? '').toUpperCase();

/**
 * Compares recorded and replayed replies in order (each protocol's adapter
 * already matched them to their commands). Replies are paired by command, so
 * a command that was not sent again (its reply missing) or an extra reply
 * does not shift every later pair; a reply on one side only is a difference.
 */
export function compareReplies(recorded: readonly Reply[], replayed: readonly Reply[], strict: boolean): { compared: number; differences: ReplyDifference[] } {
  const a = comparable(recorded);
  const b = comparable(replayed);
  const differences: ReplyDifference[] = [];
  let i = 0;
  let j = 0;
  let index = 0;
  while (i < a.length || j < b.length) {
    index++;
    if (i < a.length && j < b.length && commandOf(a[i]) === commandOf(b[j])) {
      if (!same(a[i], b[j], strict)) differences.push({ index, recorded: a[i], replayed: b[j] });
      i++;
      j++;
    } else if (i < a.length && !b.slice(j + 1).some((r) => commandOf(r) === commandOf(a[i]))) {
      // The recorded command got no reply this time (it was not sent again).
      differences.push({ index, recorded: a[i++] });
    } else {
      differences.push({ index, replayed: b[j++] });
    }
  }
  return { compared: index, differences };
}
