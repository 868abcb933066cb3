/**
 * FETCH data items (RFC 9051 §6.4.5, §7.5.2): what a learner asks for —
 * FLAGS, UID, RFC822.SIZE, INTERNALDATE, ENVELOPE, BODYSTRUCTURE, BODY,
 * BODY[…] and BODY.PEEK[…] with part numbers (`2.1`) and the sections "",
 * HEADER, TEXT, MIME, HEADER.FIELDS (…) and HEADER.FIELDS.NOT (…) and a
 * partial <start.length>, the RFC822 forms and the macros ALL, FAST and
 * FULL. Anything else is a syntax error (BAD).
 */
import type { StoredMessage } from './mail-store.js';
import { argText, ImapSyntaxError, type ImapArg } from './imap-command-parser.js';
import { bodyStructure } from './imap-bodystructure.js';
import { envelope } from './imap-envelope.js';
import { flagList, imapDateTime, nstring, type Piece } from './imap-format.js';
import { headerFields, messageBody, messageHeader } from './message-text.js';
import { findPart, parseMime } from './mime-tree.js';

type SimpleItem = 'FLAGS' | 'UID' | 'RFC822.SIZE' | 'INTERNALDATE' | 'ENVELOPE' | 'BODYSTRUCTURE' | 'BODY';

interface Section {
  /** Part numbers; empty for the whole message. */
  path: number[];
  part: 'all' | 'header' | 'text' | 'mime' | 'fields' | 'fields-not';
  fields: string[];
}

/** One requested item; `label` is how the response names it (`BODY[HEADER]<0>`, `RFC822`). */
export type FetchItem =
  | { kind: SimpleItem }
  | { kind: 'body'; peek: boolean; section: Section; start?: number; length?: number; label: string };

const SIMPLE: readonly SimpleItem[] = ['FLAGS', 'UID', 'RFC822.SIZE', 'INTERNALDATE', 'ENVELOPE', 'BODYSTRUCTURE', 'BODY'];
const MACROS: Record<string, SimpleItem[]> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
};
const BODY_RE = /^(BODY|BODY\.PEEK)\[([^\]]*)\](?:<(\d+)\.(\d+)>)?$/i;

/** `2.1.HEADER.FIELDS (A B)` → path [2, 1], part fields, fields [A, B]. */
function parseSection(spec: string): Section {
  const upper = spec.toUpperCase();
  const numbered = /^((?:[1-9]\d*\.)*[1-9]\d*)(?:\.(.+))?$/.exec(upper);
  const path = numbered ? numbered[1].split('.').map(Number) : [];
  const rest = numbered ? (numbered[2] ?? '') : upper;
  const simple: Record<string, Section['part']> = { '': 'all', HEADER: 'header', TEXT: 'text', MIME: 'mime' };
  if (rest in simple && !(rest === 'MIME' && path.length === 0)) return { path, part: simple[rest], fields: [] };
  const f = /^HEADER\.FIELDS(\.NOT)? \(([^()]+)\)$/.exec(rest);
  if (f) return { path, part: f[1] ? 'fields-not' : 'fields', fields: f[2].split(' ').filter((x) => x !== '').map((x) => x.replace(/^"(.*)"$/, '$1')) };
  throw new ImapSyntaxError(`Invalid section [${spec}]`);
}

/** How the response names a section: `2.1.HEADER.FIELDS (A B)`. */
function sectionSpec(section: Section): string {
  const names: Record<Section['part'], string> = { all: '', header: 'HEADER', text: 'TEXT', mime: 'MIME', fields: 'HEADER.FIELDS', 'fields-not': 'HEADER.FIELDS.NOT' };
  const what = names[section.part] + (section.fields.length > 0 ? ` (${section.fields.join(' ')})` : '');
  return [...section.path.map(String), ...(what === '' ? [] : [what])].join('.');
}

function parseItem(name: string): FetchItem[] {
  const upper = name.toUpperCase();
  if ((SIMPLE as readonly string[]).includes(upper)) return [{ kind: upper as SimpleItem }];
  const body = (peek: boolean, part: Section['part'], label: string): FetchItem => ({ kind: 'body', peek, section: { path: [], part, fields: [] }, label });
  if (upper === 'RFC822') return [body(false, 'all', 'RFC822')];
  if (upper === 'RFC822.HEADER') return [body(true, 'header', 'RFC822.HEADER')];
  if (upper === 'RFC822.TEXT') return [body(false, 'text', 'RFC822.TEXT')];
  const m = BODY_RE.exec(name);
  if (!m) throw new ImapSyntaxError(`Unknown or unsupported FETCH item ${name}`);
  const section = parseSection(m[2]);
  const spec = sectionSpec(section);
  const start = m[3] === undefined ? undefined : Number(m[3]);
  const length = m[4] === undefined ? undefined : Number(m[4]);
  if (length === 0) throw new ImapSyntaxError('A partial FETCH needs a length above 0');
  // The response names the section without PEEK, and a partial by its start only.
  return [{ kind: 'body', peek: m[1].toUpperCase() === 'BODY.PEEK', section, start, length, label: `BODY[${spec}]${start === undefined ? '' : `<${start}>`}` }];
}

/** Parses the items argument of FETCH: a macro, one item, or a parenthesized list. */
export function parseFetchItems(arg: ImapArg | undefined): FetchItem[] {
  if (!arg) throw new ImapSyntaxError('FETCH needs a sequence set and data items');
  if (arg.type === 'list') {
    if (arg.items.length === 0) throw new ImapSyntaxError('Empty FETCH item list');
    return arg.items.flatMap((item) => {
      const name = item.type === 'atom' ? item.value : undefined;
      if (name === undefined) throw new ImapSyntaxError('FETCH items are atoms');
      return parseItem(name);
    });
  }
  const name = argText(arg) ?? '';
  const macro = MACROS[name.toUpperCase()];
  return macro ? macro.map((kind) => ({ kind })) : parseItem(name);
}

/** The bytes of a section, or undefined when the message has no such part (NIL). */
function sectionBytes(raw: Buffer, section: Section): Buffer | undefined {
  let target = raw;
  if (section.path.length > 0) {
    const part = findPart(parseMime(raw), section.path);
    if (!part) return undefined;
    if (section.part === 'all') return part.body;
    if (section.part === 'mime') return part.header;
    // HEADER, TEXT and the field lists of a part need a message/rfc822 part.
    if (!part.message) return undefined;
    target = part.message.raw;
  }
  switch (section.part) {
    case 'all':
      return target;
    case 'header':
      return messageHeader(target);
    case 'text':
      return messageBody(target);
    default: {
      // The chosen fields, then the empty line that ends a header (RFC 9051 §6.4.5).
      const wanted = new Set(section.fields.map((f) => f.toLowerCase()));
      const keep = section.part === 'fields';
      const chosen = headerFields(target).filter((f) => wanted.has(f.name.toLowerCase()) === keep);
      return Buffer.concat([...chosen.map((f) => f.raw), Buffer.from('\r\n')]);
    }
  }
}

/** `(\Seen \Recent)`: a message's flags as this session sees them. */
export function messageFlags(message: StoredMessage, recent: boolean): string {
  return flagList(recent ? [...message.flags, '\\Recent'] : message.flags);
}

function itemPieces(message: StoredMessage, item: FetchItem, recent: boolean): Piece[] {
  switch (item.kind) {
    case 'FLAGS':
      return [`FLAGS ${messageFlags(message, recent)}`];
    case 'UID':
      return [`UID ${message.uid}`];
    case 'RFC822.SIZE':
      return [`RFC822.SIZE ${message.raw.length}`];
    case 'INTERNALDATE':
      return [`INTERNALDATE ${imapDateTime(message.internalDate)}`];
    case 'ENVELOPE':
      return ['ENVELOPE ', ...envelope(message.raw)];
    case 'BODYSTRUCTURE':
    case 'BODY':
      return [`${item.kind} `, ...bodyStructure(parseMime(message.raw), item.kind === 'BODYSTRUCTURE')];
    case 'body': {
      let bytes = sectionBytes(message.raw, item.section);
      if (bytes && item.start !== undefined) bytes = bytes.subarray(item.start, item.start + (item.length ?? bytes.length));
      return [`${item.label} `, ...nstring(bytes)];
    }
  }
}

/** The parenthesized data of one `* N FETCH (…)` response; `recent`: show \Recent in FLAGS. */
export function fetchData(message: StoredMessage, items: readonly FetchItem[], recent: boolean): Piece[] {
  const out: Piece[] = ['('];
  items.forEach((item, i) => out.push(...(i > 0 ? [' '] : []), ...itemPieces(message, item, recent)));
  out.push(')');
  return out;
}
