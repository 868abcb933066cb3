/**
 * How a value goes into an IMAP command (RFC 9051 §4.3): a quoted string
 * when it is 7-bit text without CR, LF or NUL (with `"` and `\` escaped),
 * otherwise a literal of its UTF-8 bytes.
 */
export type ImapString = { quoted: string } | { literal: Buffer };

export function imapString(value: string): ImapString {
  // eslint-disable-next-line no-control-regex
  if (/^[\x01-\x09\x0b\x0c\x0e-\x7f]*$/.test(value)) return { quoted: `"${value.replace(/["\\]/g, '\\$&')}"` };
  return { literal: Buffer.from(value, 'utf8') };
}

/** `{N}` or, when the server offers LITERAL+ (RFC 7888), `{N+}`: no wait for `+`. */
export function literalMarker(size: number, nonSynchronizing: boolean): string {
  return `{${size}${nonSynchronizing ? '+' : ''}}`;
}

/** Whether the server lets the client send literals without waiting (LITERAL+, or LITERAL- for small ones). */
export function canSendLiteralAtOnce(caps: ReadonlyMap<string, readonly string[]>, size: number): boolean {
  return caps.has('LITERAL+') || (caps.has('LITERAL-') && size <= 4096);
}
