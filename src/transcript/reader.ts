import { closeSync, readSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { openUserFile } from '../files/user-file.js';
import { jsonlRecordText } from './jsonl-record.js';
import type { Direction } from './direction.js';

/** One transcript record; `text` keeps the escapes (see unescapeRecord). */
export interface TranscriptRecord {
  ts: string;
  dir: Direction;
  text: string;
  /** The record's line in the file (from 1), for messages that point at it. */
  line: number;
}

const TEXT_RECORD = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (C:|S:|==) (.*)$/;

/**
 * Reads a text or jsonl transcript (SPEC §9) one line at a time. Lines that
 * are neither are an error naming the line, so a damaged file is noticed.
 */
export class TranscriptParser {
  header: string | undefined;
  /** The jsonl header's `schema`: 1 for files written before it existed. */
  private schema = 1;
  private lineNo = 0;

  /** The record on `line` (without its LF), or undefined for a header line. */
  push(line: string): TranscriptRecord | undefined {
    const n = ++this.lineNo;
    if (line.startsWith('# ')) {
      this.header ??= line.slice(2);
      return undefined;
    }
    if (line.startsWith('{')) {
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch {
        throw new UsageError(`not a mailsh jsonl record at line ${n}: ${line.slice(0, 60)}`);
      }
      const o = obj as { type?: unknown; target?: unknown; start?: unknown; schema?: unknown };
      if (o?.type === 'header') {
        if (typeof o.target !== 'string' || typeof o.start !== 'string') throw new UsageError(`not a mailsh jsonl header at line ${n}`);
        this.header ??= `mailsh transcript target=${o.target} start=${o.start}`;
        if (typeof o.schema === 'number') this.schema = o.schema;
        return undefined;
      }
      return { ...jsonlRecordText(obj, this.schema, n), line: n };
    }
    const m = TEXT_RECORD.exec(line);
    if (!m) throw new UsageError(`not a mailsh transcript record at line ${n}: ${line.slice(0, 60)}`);
    return { ts: m[1], dir: m[2] as Direction, text: m[3], line: n };
  }
}

/** Parses a whole transcript held in memory (replay). */
export function parseTranscript(content: string): { header?: string; records: TranscriptRecord[] } {
  const parser = new TranscriptParser();
  const lines = content.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const records: TranscriptRecord[] = [];
  for (const line of lines) {
    const record = parser.push(line);
    if (record) records.push(record);
  }
  return { header: parser.header, records };
}

/** How much of a file `fileLines` reads at a time. */
const READ_CHUNK = 1024 * 1024;

/**
 * The lines of a file read a chunk at a time: a transcript of any size (past
 * V8's 512 MiB string limit) costs memory for one chunk and one line.
 */
export function* fileLines(file: string): Generator<string> {
  const fd = openUserFile(file);
  try {
    const buf = Buffer.allocUnsafe(READ_CHUNK);
    let pending: Buffer[] = [];
    for (let n; (n = readSync(fd, buf, 0, READ_CHUNK, null)) > 0; ) {
      let start = 0;
      for (let nl = buf.indexOf(0x0a, 0); nl >= 0 && nl < n; nl = buf.indexOf(0x0a, start)) {
        pending.push(buf.subarray(start, nl));
        yield Buffer.concat(pending).toString('utf8');
        pending = [];
        start = nl + 1;
      }
      if (start < n) pending.push(Buffer.from(buf.subarray(start, n)));
    }
    if (pending.length > 0) yield Buffer.concat(pending).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
