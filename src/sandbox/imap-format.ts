/**
 * How the sandbox's IMAP server writes values into responses (RFC 9051 §4):
 * NIL, quoted strings for plain text, literals for anything with CR, LF,
 * NUL, 8-bit bytes or that is long; flag lists and date-times.
 */

/** A response piece: text, or raw bytes (literal contents). */
export type Piece = string | Buffer;

/** Joins pieces into the bytes of a response; text is UTF-8. */
export function toBytes(pieces: readonly Piece[]): Buffer {
  return Buffer.concat(pieces.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
}

/**
 * An nstring: NIL for undefined, `"…"` (with `\"` and `\\`) for short
 * 7-bit text, else a literal `{N}\r\n` followed by the bytes.
 */
export function nstring(value: string | Buffer | undefined): Piece[] {
  if (value === undefined) return ['NIL'];
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const text = bytes.toString('latin1');
  // eslint-disable-next-line no-control-regex
  if (bytes.length < 1024 && /^[\x01-\x09\x0b\x0c\x0e-\x7f]*$/.test(text)) return [`"${text.replace(/["\\]/g, '\\$&')}"`];
  return [`{${bytes.length}}\r\n`, bytes];
}

/** A mailbox name: an atom-safe name as is, otherwise a string. */
export function mailboxName(name: string): Piece[] {
  return /^[A-Za-z0-9_.\-/]+$/.test(name) ? [name] : nstring(name);
}

/** `(\Seen \Flagged)`. */
export function flagList(flags: Iterable<string>): string {
  return `(${[...flags].join(' ')})`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** date-time: `"24-Nov-2026 06:35:22 +0000"` (UTC). */
export function imapDateTime(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  const day = String(date.getUTCDate()).padStart(2, ' ');
  return `"${day}-${MONTHS[date.getUTCMonth()]}-${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000"`;
}

/** Parses an IMAP date (`1-Feb-1994`, SEARCH) or date-time (`1-Feb-1994 21:52:25 -0800`, APPEND). */
export function parseImapDate(text: string): Date | undefined {
  const m = /^ ?(\d{1,2})-([A-Za-z]{3})-(\d{4})(?: (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d))?$/.exec(text);
  if (!m) return undefined;
  const month = MONTHS.findIndex((name) => name.toLowerCase() === m[2].toLowerCase());
  if (month < 0) return undefined;
  const utc = Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  const offset = m[7] ? (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9])) : 0;
  return new Date(utc - offset * 60_000);
}
