import { isUtf8 } from 'node:buffer';
import { UsageError } from '../errors.js';
import { escapeBytes, redactedMarker } from '../text/escape.js';
import type { Direction } from './direction.js';

/**
 * The jsonl transcript record (SPEC §9, README "Transcripts"): one JSON
 * object a line, which one JSON decode turns into the exact wire text.
 *
 *   {"ts":"…","dir":"C"|"S"|"==","data":"A001 OK done\r\n"}  valid UTF-8
 *   {"ts":"…","dir":"S","b64":"/w0K"}                          any other bytes
 *   {"ts":"…","dir":"C","parts":[{"data":"AUTH PLAIN "},{"redacted":24},{"data":"\r\n"}]}
 *
 * `parts` appears only where a secret was masked; each part is `data`, `b64`
 * or `redacted` (the number of bytes left out).
 */
export const JSONL_SCHEMA = 2;

/** A piece of a record being written: bytes as sent or received, or a masked secret's length. */
export type RecordPart = Buffer | number;

type JsonBytes = { data: string } | { b64: string };

function jsonBytes(bytes: Buffer): JsonBytes {
  return isUtf8(bytes) ? { data: bytes.toString('utf8') } : { b64: bytes.toString('base64') };
}

/** One record as a jsonl line (with its LF). */
export function jsonlRecord(ts: string, dir: Direction, parts: readonly RecordPart[]): string {
  const d = dir === '==' ? '==' : dir.slice(0, 1);
  if (parts.every((p): p is Buffer => typeof p !== 'number')) {
    return `${JSON.stringify({ ts, dir: d, ...jsonBytes(parts.length === 1 ? parts[0] : Buffer.concat(parts)) })}\n`;
  }
  // Neighbouring pieces of bytes (the words of a line) are one part.
  const merged: RecordPart[] = [];
  for (const p of parts) {
    const last = merged.at(-1);
    merged.push(typeof p !== 'number' && last !== undefined && typeof last !== 'number' ? Buffer.concat([merged.pop() as Buffer, p]) : p);
  }
  const json = merged.map((p) => (typeof p === 'number' ? { redacted: p } : jsonBytes(p)));
  return `${JSON.stringify({ ts, dir: d, parts: json })}\n`;
}

/** A note's jsonl line: its text as is. */
export function jsonlNote(ts: string, text: string, fields?: Record<string, unknown>): string {
  return `${JSON.stringify({ ts, dir: '==', data: text, ...fields })}\n`;
}

const DIRECTIONS: Record<string, Direction> = { C: 'C:', S: 'S:', '==': '==' };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The escaped text (as in the text format) of `data` or `b64`; undefined if neither is a string. */
function escapedBytes(o: Record<string, unknown>): string | undefined {
  if (typeof o.data === 'string') return escapeBytes(Buffer.from(o.data, 'utf8'));
  if (typeof o.b64 === 'string') return escapeBytes(Buffer.from(o.b64, 'base64'));
  return undefined;
}

/**
 * A parsed jsonl record as the text format's direction and escaped text, so
 * `show` and `replay` treat both formats alike. `schema` is the header's:
 * before 2, `data` held the text format's escaped string. Anything else, or
 * a field of the wrong type, is an error naming the line.
 */
export function jsonlRecordText(obj: unknown, schema: number, line: number): { ts: string; dir: Direction; text: string } {
  const bad = (): UsageError => new UsageError(`not a mailsh jsonl record at line ${line}: wrong or missing fields`);
  if (!isObject(obj) || typeof obj.ts !== 'string' || typeof obj.dir !== 'string' || !(obj.dir in DIRECTIONS)) throw bad();
  const dir = DIRECTIONS[obj.dir];
  if (schema < JSONL_SCHEMA) {
    if (typeof obj.data !== 'string') throw bad();
    return { ts: obj.ts, dir, text: obj.data };
  }
  if (Array.isArray(obj.parts)) {
    let text = '';
    for (const part of obj.parts) {
      if (isObject(part) && typeof part.redacted === 'number' && Number.isSafeInteger(part.redacted) && part.redacted >= 0) {
        text += redactedMarker(part.redacted);
        continue;
      }
      const escaped = isObject(part) ? escapedBytes(part) : undefined;
      if (escaped === undefined) throw bad();
      text += escaped;
    }
    return { ts: obj.ts, dir, text };
  }
  const text = escapedBytes(obj);
  if (text === undefined) throw bad();
  return { ts: obj.ts, dir, text };
}
