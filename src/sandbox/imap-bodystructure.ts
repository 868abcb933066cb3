/**
 * FETCH BODYSTRUCTURE and BODY (RFC 9051 §7.5.2): the MIME tree as nested
 * lists — type, subtype, parameters, id, description, encoding, size, and
 * for text the line count, for message/rfc822 the envelope, structure and
 * line count; BODYSTRUCTURE adds the extension data (MD5, disposition,
 * language, location), BODY leaves it out.
 */
import { envelope } from './imap-envelope.js';
import { nstring, type Piece } from './imap-format.js';
import { headerValue } from './message-text.js';
import { fieldParams, type MimePart } from './mime-tree.js';

/** `("NAME" "value" …)` or NIL. */
function paramList(params: [string, string][]): Piece[] {
  if (params.length === 0) return ['NIL'];
  return ['(', ...params.flatMap(([name, value], i) => [i > 0 ? ' ' : '', ...nstring(name.toUpperCase()), ' ', ...nstring(value)]), ')'];
}

/** Content-Disposition as `("ATTACHMENT" ("FILENAME" "a.pdf"))`, or NIL. */
function disposition(part: MimePart): Piece[] {
  const value = headerValue(part.raw, 'Content-Disposition');
  const kind = value === undefined ? undefined : /^\s*([^\s;]+)/.exec(value)?.[1];
  if (value === undefined || kind === undefined) return ['NIL'];
  return ['(', ...nstring(kind.toUpperCase()), ' ', ...paramList(fieldParams(value)), ')'];
}

/** Lines in a body, counted as Dovecot does: its line ends (a last line without one does not count). */
function lineCount(body: Buffer): number {
  let lines = 0;
  for (const b of body) if (b === 0x0a) lines++;
  return lines;
}

/** The structure of one part; `extensible` for BODYSTRUCTURE, not for BODY. */
export function bodyStructure(part: MimePart, extensible: boolean): Piece[] {
  if (part.parts && part.parts.length > 0) {
    const out: Piece[] = ['(', ...part.parts.flatMap((p) => bodyStructure(p, extensible)), ' ', ...nstring(part.subtype.toUpperCase())];
    if (extensible) out.push(' ', ...paramList(part.params), ' ', ...disposition(part), ' NIL NIL');
    return [...out, ')'];
  }
  const field = (name: string): string | undefined => headerValue(part.raw, name);
  const out: Piece[] = ['(', ...nstring(part.type.toUpperCase()), ' ', ...nstring(part.subtype.toUpperCase()), ' ', ...paramList(part.params)];
  out.push(' ', ...nstring(field('Content-ID')), ' ', ...nstring(field('Content-Description')));
  out.push(' ', ...nstring((field('Content-Transfer-Encoding') ?? '7BIT').toUpperCase()), ` ${part.body.length}`);
  if (part.message) out.push(' ', ...envelope(part.message.raw), ' ', ...bodyStructure(part.message, extensible), ` ${lineCount(part.body)}`);
  else if (part.type === 'text') out.push(` ${lineCount(part.body)}`);
  if (extensible) out.push(' NIL ', ...disposition(part), ' NIL NIL');
  return [...out, ')'];
}
