/**
 * A ManageSieve quoted string (RFC 5804 §4): UTF-8 text without CR, LF or
 * NUL, with `"` and `\` escaped; undefined when the value needs a literal.
 */
export function sieveQuoted(value: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\r\n\0]/.test(value)) return undefined;
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}
