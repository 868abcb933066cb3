import type { Reply } from './adapter.js';

/**
 * What `/expect` asserts about the last complete reply (SPEC §10): a reply
 * code or a prefix of one (`250`, `2`, `4xx`, `25x`), an enhanced status
 * code (`5.7.1`, RFC 3463), a status word (`OK`, `NO`, `BAD`, `+OK`, `-ERR`),
 * or a regular expression over the reply as it came on the wire (`/regex/i`).
 */
export type Expectation =
  | { kind: 'code'; pattern: RegExp; spec: string }
  | { kind: 'enhanced'; code: string; spec: string }
  | { kind: 'status'; status: string; spec: string }
  | { kind: 'regex'; pattern: RegExp; spec: string };

const STATUS_WORDS = new Set(['OK', 'NO', 'BAD', 'PREAUTH', 'BYE', '+OK', '-ERR']);

/** Parses the argument of `/expect`; undefined when it is none of the forms. */
export function parseExpectation(spec: string): Expectation | undefined {
  const text = spec.trim();
  const regex = /^\/(.*)\/([a-z]*)$/s.exec(text);
  if (regex) {
    try {
      // Without g and y, test() keeps no state between replies.
      return { kind: 'regex', pattern: new RegExp(regex[1], regex[2].replace(/[gy]/g, '')), spec: text };
    } catch {
      return undefined;
    }
  }
  // `2`, `25`, `250`, `4xx`, `2x0`: digits with x wildcards, any prefix of a code.
  if (/^[2-5][0-9x]{0,2}$/i.test(text)) {
    return { kind: 'code', pattern: new RegExp(`^${text.toLowerCase().replace(/x/g, '\\d')}`), spec: text };
  }
  if (/^[245]\.\d{1,3}\.\d{1,3}$/.test(text)) return { kind: 'enhanced', code: text, spec: text };
  if (STATUS_WORDS.has(text.toUpperCase())) return { kind: 'status', status: text.toUpperCase(), spec: text };
  return undefined;
}

/**
 * The reply as it came on the wire, one line each: SMTP lines get their code
 * back (`250-PIPELINING`, `250 OK`); other protocols keep the status in the line.
 */
export function replyWireLines(reply: Reply): string[] {
  if (!/^\d{3}$/.test(reply.status)) return reply.lines;
  return reply.lines.map((line, i) => `${reply.status}${i < reply.lines.length - 1 ? '-' : ' '}${line}`);
}

/**
 * Whether `reply` satisfies the expectation. The replies to an LMTP message
 * (one per recipient, RFC 2033 §4.2) must all satisfy it, and a regex sees
 * them all; in IMAP and ManageSieve a reply's lines are the whole response
 * (untagged lines, literal contents, the completion).
 */
export function replyMatches(expectation: Expectation, reply: Reply): boolean {
  return mismatch(expectation, reply) === undefined;
}

/** The reply that fails the expectation (one of an LMTP group), or undefined. */
export function mismatch(expectation: Expectation, reply: Reply): Reply | undefined {
  const replies = reply.group ?? [reply];
  if (expectation.kind === 'regex') return expectation.pattern.test(replies.flatMap(replyWireLines).join('\n')) ? undefined : reply;
  return replies.find((r) => !matchesOne(expectation, r));
}

function matchesOne(expectation: Exclude<Expectation, { kind: 'regex' }>, reply: Reply): boolean {
  switch (expectation.kind) {
    case 'code':
      return /^\d{3}$/.test(reply.status) && expectation.pattern.test(reply.status);
    case 'enhanced':
      // RFC 3463 §2: the enhanced code opens the reply text (RFC 2034 §3).
      return reply.lines.some((line) => line.startsWith(`${expectation.code} `) || line === expectation.code);
    case 'status':
      return reply.status.toUpperCase() === expectation.status;
  }
}
