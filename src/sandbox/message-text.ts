/**
 * The parts of an RFC 5322 message that IMAP FETCH and SEARCH need: the
 * header (up to and including the empty line), the body after it, and the
 * header fields, raw (folded, as sent) or unfolded.
 */

/** One header field: its name, and its exact lines including the final CRLF. */
export interface HeaderField {
  name: string;
  raw: Buffer;
}

/** Where the header ends: after the first empty line, or the whole message when there is none. */
function headerEnd(raw: Buffer): number {
  if (raw.subarray(0, 2).toString('latin1') === '\r\n') return 2;
  const i = raw.indexOf('\r\n\r\n');
  if (i >= 0) return i + 4;
  const lf = raw.indexOf('\n\n');
  return lf >= 0 ? lf + 2 : raw.length;
}

/** BODY[HEADER] (RFC 9051 §6.4.5): the header including the empty line that ends it. */
export function messageHeader(raw: Buffer): Buffer {
  return raw.subarray(0, headerEnd(raw));
}

/** BODY[TEXT]: everything after the header's empty line. */
export function messageBody(raw: Buffer): Buffer {
  return raw.subarray(headerEnd(raw));
}

/** The header's fields in order; continuation lines (starting with SP or TAB) belong to the field above. */
export function headerFields(raw: Buffer): HeaderField[] {
  const header = messageHeader(raw);
  const fields: HeaderField[] = [];
  let start = -1;
  let name = '';
  let pos = 0;
  while (pos < header.length) {
    let end = header.indexOf('\n', pos);
    end = end < 0 ? header.length : end + 1;
    const first = header[pos];
    const isContinuation = first === 0x20 || first === 0x09;
    if (!isContinuation) {
      if (start >= 0) fields.push({ name, raw: header.subarray(start, pos) });
      start = -1;
      const colon = header.indexOf(':', pos);
      if (colon > pos && colon < end) {
        start = pos;
        name = header.subarray(pos, colon).toString('latin1').trim();
      }
    }
    pos = end;
  }
  if (start >= 0) fields.push({ name, raw: header.subarray(start, pos) });
  return fields;
}

/** The unfolded value of the first field called `name` (case-insensitive), or undefined. */
export function headerValue(raw: Buffer, name: string): string | undefined {
  const field = headerFields(raw).find((f) => f.name.toLowerCase() === name.toLowerCase());
  if (!field) return undefined;
  const text = field.raw.toString('utf8');
  return text.slice(text.indexOf(':') + 1).replace(/\r?\n/g, '').trim();
}

/** RFC 5322 date-time, e.g. `Tue, 24 Nov 2026 06:35:22 +0000`. */
export function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}
