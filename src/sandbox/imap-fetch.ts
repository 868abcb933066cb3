/**
 * FETCH data items (RFC 9051 §6.4.5, §7.5.2): what a learner asks for —
 * FLAGS, UID, RFC822.SIZE, INTERNALDATE, ENVELOPE, BODY[…] and
 * BODY.PEEK[…] with the sections "", HEADER, TEXT, HEADER.FIELDS (…) and
 * HEADER.FIELDS.NOT (…) and a partial <start.length>, the RFC822 forms
 * and the macros ALL and FAST. Anything else is a syntax error (BAD).
 */
import type { StoredMessage } from './mail-store.js';
import { argText, ImapSyntaxError, type ImapArg } from './imap-command-parser.js';
import { envelope } from './imap-envelope.js';
import { flagList, imapDateTime, nstring, type Piece } from './imap-format.js';
import { headerFields, messageBody, messageHeader } from './message-text.js';

type SimpleItem = 'FLAGS' | 'UID' | 'RFC822.SIZE' | 'INTERNALDATE' | 'ENVELOPE';

interface Section {
  part: 'all' | 'header' | 'text' | 'fields' | 'fields-not';
  fields: string[];
}

/** One requested item; `label` is how the response names it (`BODY[HEADER]<0>`, `RFC822`). */
export type FetchItem =
  | { kind: SimpleItem }
  | { kind: 'body'; peek: boolean; section: Section; start?: number; length?: number; label: string };

const SIMPLE: readonly SimpleItem[] = ['FLAGS', 'UID', 'RFC822.SIZE', 'INTERNALDATE', 'ENVELOPE'];
const MACROS: Record<string, SimpleItem[]> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
};
const BODY_RE = /^(BODY|BODY\.PEEK)\[([^\]]*)\](?:<(\d+)\.(\d+)>)?$/i;

function parseSection(spec: string): Section {
  const upper = spec.toUpperCase();
  if (upper === '') return { part: 'all', fields: [] };
  if (upper === 'HEADER') return { part: 'header', fields: [] };
  if (upper === 'TEXT') return { part: 'text', fields: [] };
  const m = /^HEADER\.FIELDS(\.NOT)? \(([^()]+)\)$/.exec(upper);
  if (m) return { part: m[1] ? 'fields-not' : 'fields', fields: m[2].split(' ').filter((f) => f !== '').map((f) => f.replace(/^"(.*)"$/, '$1')) };
  throw new ImapSyntaxError(`Unsupported section [${spec}] (the sandbox knows "", HEADER, TEXT, HEADER.FIELDS and HEADER.FIELDS.NOT)`);
}

function parseItem(name: string): FetchItem[] {
  const upper = name.toUpperCase();
  if ((SIMPLE as readonly string[]).includes(upper)) return [{ kind: upper as SimpleItem }];
  const body = (peek: boolean, part: Section['part'], label: string): FetchItem => ({ kind: 'body', peek, section: { part, fields: [] }, label });
  if (upper === 'RFC822') return [body(false, 'all', 'RFC822')];
  if (upper === 'RFC822.HEADER') return [body(true, 'header', 'RFC822.HEADER')];
  if (upper === 'RFC822.TEXT') return [body(false, 'text', 'RFC822.TEXT')];
  const m = BODY_RE.exec(name);
  if (!m) throw new ImapSyntaxError(`Unknown or unsupported FETCH item ${name}`);
  const section = parseSection(m[2]);
  const spec = section.part === 'fields' || section.part === 'fields-not' ? `${section.part === 'fields' ? 'HEADER.FIELDS' : 'HEADER.FIELDS.NOT'} (${section.fields.join(' ')})` : m[2].toUpperCase();
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

function sectionBytes(raw: Buffer, section: Section): Buffer {
  switch (section.part) {
    case 'all':
      return raw;
    case 'header':
      return messageHeader(raw);
    case 'text':
      return messageBody(raw);
    default: {
      // The chosen fields, then the empty line that ends a header (RFC 9051 §6.4.5).
      const wanted = new Set(section.fields.map((f) => f.toLowerCase()));
      const keep = section.part === 'fields';
      const chosen = headerFields(raw).filter((f) => wanted.has(f.name.toLowerCase()) === keep);
      return Buffer.concat([...chosen.map((f) => f.raw), Buffer.from('\r\n')]);
    }
  }
}

function itemPieces(message: StoredMessage, item: FetchItem, recent: boolean): Piece[] {
  switch (item.kind) {
    case 'FLAGS':
      return [`FLAGS ${flagList(recent ? [...message.flags, '\\Recent'] : message.flags)}`];
    case 'UID':
      return [`UID ${message.uid}`];
    case 'RFC822.SIZE':
      return [`RFC822.SIZE ${message.raw.length}`];
    case 'INTERNALDATE':
      return [`INTERNALDATE ${imapDateTime(message.internalDate)}`];
    case 'ENVELOPE':
      return ['ENVELOPE ', ...envelope(message.raw)];
    case 'body': {
      let bytes = sectionBytes(message.raw, item.section);
      if (item.start !== undefined) bytes = bytes.subarray(item.start, item.start + (item.length ?? bytes.length));
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
