/** Reads a transcript back into the exact bytes of each direction (issue 7). */
import { readFileSync } from 'node:fs';
import { unescapeRecord } from '../../src/text/escape.js';
import { parseTranscript } from '../../src/transcript/reader.js';

export interface TranscriptBytes {
  /** Client bytes, with each masked secret as `<redacted N>`. */
  client: Buffer;
  server: Buffer;
  /** The `==` notes, in order. */
  notes: string[];
}

/** Parses FILE with the product's reader and joins the records of each direction. */
export function transcriptBytes(file: string): TranscriptBytes {
  const { records } = parseTranscript(readFileSync(file, 'utf8'));
  const client: Buffer[] = [];
  const server: Buffer[] = [];
  const notes: string[] = [];
  for (const record of records) {
    if (record.dir === '==') {
      notes.push(record.text);
      continue;
    }
    const parts = unescapeRecord(record.text).map((p) => ('bytes' in p ? p.bytes : Buffer.from(`<redacted ${p.redacted}>`)));
    (record.dir === 'C:' ? client : server).push(...parts);
  }
  return { client: Buffer.concat(client), server: Buffer.concat(server), notes };
}
