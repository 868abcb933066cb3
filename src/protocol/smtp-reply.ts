import type { ReplyClass } from './adapter.js';

/** One parsed SMTP reply line (RFC 5321 §4.2): `250-text` or `250 text`. */
export interface SmtpReplyLine {
  code: string;
  /** True for `250-…`: more lines of this reply follow. */
  more: boolean;
  text: string;
}

const REPLY_RE = /^([2-5][0-9][0-9])([ -]|$)(.*)$/s;

/** Parses a reply line; undefined when it is not one (a protocol violation). */
export function parseSmtpReplyLine(line: string): SmtpReplyLine | undefined {
  const m = REPLY_RE.exec(line);
  if (!m) return undefined;
  return { code: m[1], more: m[2] === '-', text: m[3] };
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
