import type { ProtocolAdapter } from '../protocol/adapter.js';
import { markSecrets, type Outgoing } from '../protocol/outgoing.js';
import { isGoodbye } from './goodbye.js';
import type { NoteLevel } from './session-io.js';

/** A typed line as it will go out, and what to say before it does. */
export interface PreparedLine {
  out: Outgoing;
  notes: { level: NoteLevel; text: string }[];
  /** It is the protocol's goodbye (`QUIT`, `a LOGOUT`): the close that follows is expected. */
  goodbye: boolean;
}

/**
 * The adapter prepares a typed line; `secrets` are parts of it to mask
 * wherever they end up (helper outputs). Notes: the adapter's hint, and a
 * line over the protocol's limit, sent anyway (SPEC §2: an admin may be
 * testing exactly that).
 */
export function prepareLine(adapter: ProtocolAdapter, line: string, secrets: readonly string[]): PreparedLine {
  const bye = adapter.metaAllowed ? adapter.quitCommand() : undefined;
  const limit = adapter.lineLimit;
  const prepared = adapter.prepare(line);
  const notes: PreparedLine['notes'] = prepared.hint ? [{ level: 'info', text: prepared.hint }] : [];
  const out = secrets.length > 0 ? markSecrets(prepared.out, secrets) : prepared.out;
  const size = limit ? out.pieces.reduce((n, p) => n + p.bytes.length, 0) : 0;
  if (limit && size > limit.bytes) notes.push({ level: 'warn', text: `this line is ${size} bytes with CRLF, over ${limit.rule}; sending it anyway` });
  return { out, notes, goodbye: bye !== undefined && isGoodbye(line, bye) };
}
