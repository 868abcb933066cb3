import type { ReplyClass } from './adapter.js';

/** One parsed SMTP reply line (RFC 5321 §4.2): `250-text` or `250 text`. */
export interface SmtpReplyLine {
  code: string;
  /** True for `250-…`: more lines of this reply follow. */
  more: boolean;
  text: string;
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/**
 * Parses a reply line; undefined when it is not one (a protocol violation).
 * Character tests, not a regex: thousands of pipelined replies come through
 * here before the code is warm.
 */
export function parseSmtpReplyLine(line: string): SmtpReplyLine | undefined {
  const first = line.charCodeAt(0);
  if (!(first >= 0x32 && first <= 0x35 && isDigit(line.charCodeAt(1)) && isDigit(line.charCodeAt(2)))) return undefined;
  const sep = line.charCodeAt(3);
  if (line.length > 3 && sep !== 0x20 && sep !== 0x2d) return undefined;
  return { code: line.slice(0, 3), more: sep === 0x2d, text: line.slice(4) };
}

/** The outcome class of a three-digit reply code. */
export function smtpReplyClass(code: string): ReplyClass {
  switch (code[0]) {
    case '2':
      return 'ok';
    case '3':
      return 'more';
    case '4':
      return 'temp';
    default:
      return 'fail';
  }
}

/**
 * Parses EHLO/LHLO keyword lines (all lines after the first) into
 * capabilities: `AUTH PLAIN LOGIN` → AUTH → [PLAIN, LOGIN]. Keywords are
 * case-insensitive (RFC 5321 §4.1.1.1) and stored upper-case.
 */
export function parseEhloCapabilities(lines: readonly string[]): Map<string, string[]> {
  const caps = new Map<string, string[]>();
  for (const line of lines.slice(1)) {
    const [keyword, ...params] = line.trim().split(/[\s=]+/);
    if (keyword) caps.set(keyword.toUpperCase(), params);
  }
  return caps;
}
