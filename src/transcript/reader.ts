import { UsageError } from '../errors.js';
import type { Direction } from './transcript.js';

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
 * Reads a text or jsonl transcript (SPEC §9) back into records. Lines that
 * are neither are an error naming the line, so a damaged file is noticed.
 */
export function parseTranscript(content: string): { header?: string; records: TranscriptRecord[] } {
  const records: TranscriptRecord[] = [];
  let header: string | undefined;
  const lines = content.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((line, i) => {
    if (line.startsWith('# ')) {
      header ??= line.slice(2);
      return;
    }
    if (line.startsWith('{')) {
      let obj: { type?: string; ts?: string; dir?: string; data?: string; target?: string; start?: string };
      try {
        obj = JSON.parse(line) as typeof obj;
      } catch {
        throw new UsageError(`not a mailsh jsonl record at line ${i + 1}: ${line.slice(0, 60)}`);
      }
      if (obj.type === 'header') header ??= `mailsh transcript target=${obj.target} start=${obj.start}`;
      else records.push({ ts: obj.ts ?? '', dir: (obj.dir === '==' ? '==' : `${obj.dir}:`) as Direction, text: obj.data ?? '', line: i + 1 });
      return;
    }
    const m = TEXT_RECORD.exec(line);
    if (!m) throw new UsageError(`not a mailsh transcript record at line ${i + 1}: ${line.slice(0, 60)}`);
    records.push({ ts: m[1], dir: m[2] as Direction, text: m[3], line: i + 1 });
  });
  return { header, records };
}
