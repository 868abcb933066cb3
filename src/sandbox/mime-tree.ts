/**
 * The MIME structure of a message (RFC 2045, RFC 2046) as IMAP numbers it
 * (RFC 9051 §6.4.5): multipart bodies split at their boundaries,
 * message/rfc822 parts parsed as messages. Enough for BODYSTRUCTURE and
 * part sections such as BODY[1], BODY[2.1.TEXT] and BODY[1.MIME].
 */
import { headerValue, messageBody, messageHeader } from './message-text.js';

/** One MIME entity: its bytes, its Content-Type, and its children when it has any. */
export interface MimePart {
  /** The header and body as stored. */
  raw: Buffer;
  header: Buffer;
  body: Buffer;
  type: string;
  subtype: string;
  /** Content-Type parameters in order, names in lower case. */
  params: [string, string][];
  /** The parts of a multipart entity. */
  parts?: MimePart[];
  /** The message inside a message/rfc822 entity. */
  message?: MimePart;
}

/** `name=value` and `name="quoted value"` parameters after the first `;` of a field (RFC 2045 §5.1). */
export function fieldParams(value: string): [string, string][] {
  const params: [string, string][] = [];
  const re = /;\s*([^\s=;]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;\s]*)/g;
  for (const m of value.matchAll(re)) {
    const v = m[2].startsWith('"') ? m[2].slice(1, -1).replace(/\\(.)/g, '$1') : m[2];
    params.push([m[1].toLowerCase(), v]);
  }
  return params;
}

/** Splits a multipart body at `--boundary` lines; the CRLF before a delimiter belongs to it (RFC 2046 §5.1.1). */
function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const text = body.toString('latin1');
  const delimiter = new RegExp(`(?:^|\\r?\\n)--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(--)?[ \\t]*(?:\\r?\\n|$)`, 'g');
  const parts: Buffer[] = [];
  let start = -1;
  for (const m of text.matchAll(delimiter)) {
    if (start >= 0) parts.push(body.subarray(start, m.index));
    if (m[1]) return parts;
    start = m.index + m[0].length;
  }
  // No closing delimiter: the last part runs to the end.
  if (start >= 0) parts.push(body.subarray(start));
  return parts;
}

/** Parses an entity; `defaultType` is text/plain, or message/rfc822 inside multipart/digest. */
export function parseMime(raw: Buffer, defaultType = 'text/plain'): MimePart {
  const contentType = headerValue(raw, 'Content-Type');
  const m = contentType === undefined ? undefined : /^\s*([^/\s;]+)\/([^\s;]+)/.exec(contentType);
  const [type, subtype] = (m ? [m[1], m[2]] : defaultType.split('/')).map((s) => s.toLowerCase());
  const params = m ? fieldParams(contentType!) : defaultType === 'text/plain' ? ([['charset', 'us-ascii']] as [string, string][]) : [];
  const part: MimePart = { raw, header: messageHeader(raw), body: messageBody(raw), type, subtype, params };
  const boundary = params.find(([name]) => name === 'boundary')?.[1];
  if (type === 'multipart' && boundary) {
    const childDefault = subtype === 'digest' ? 'message/rfc822' : 'text/plain';
    part.parts = splitMultipart(part.body, boundary).map((p) => parseMime(p, childDefault));
  } else if (type === 'message' && subtype === 'rfc822') {
    part.message = parseMime(part.body);
  }
  return part;
}

/**
 * The part a section path names (`[4, 2, 1]` for BODY[4.2.1]), or undefined.
 * Part 1 of a non-multipart entity is that entity itself (its body is the
 * section's bytes); below the top, the parts of a message/rfc822 part are
 * those of the message inside (RFC 9051 §6.4.5).
 */
export function findPart(root: MimePart, path: readonly number[]): MimePart | undefined {
  let current: MimePart | undefined = root;
  path.forEach((n, i) => {
    if (!current) return;
    const container: MimePart = i === 0 ? current : (current.message ?? current);
    current = container.parts ? container.parts[n - 1] : n === 1 ? container : undefined;
  });
  return current;
}
