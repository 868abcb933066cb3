import { readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import kleur from 'kleur';
import { UsageError } from '../errors.js';
import { escapeBytes } from './escape.js';
import { parseTranscript, type TranscriptRecord } from './reader.js';

function colourFor(record: TranscriptRecord): (s: string) => string {
  if (record.dir === '==') return kleur.dim;
  if (record.dir === 'C:') return kleur.bold;
  const m = /^(?:\S+ )?([2-5])\d\d|^(?:\* |\S+ )?(OK|NO|BAD)\b|^(\+OK|-ERR)/.exec(record.text);
  const status = m?.[1] ?? m?.[2] ?? m?.[3];
  if (status === '2' || status === 'OK' || status === '+OK') return kleur.green;
  if (status === '3') return kleur.cyan;
  if (status === '4') return kleur.yellow;
  if (status === '5' || status === 'NO' || status === 'BAD' || status === '-ERR') return kleur.red;
  return (s) => s;
}

/** `mailsh show FILE`: the transcript in colour, one record per line. */
export function showTranscript(file: string, out: Writable): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const { header, records } = parseTranscript(text);
  if (header) out.write(`${kleur.dim(`# ${escapeBytes(Buffer.from(header, 'utf8'), 'display')}`)}\n`);
  for (const r of records) {
    // Records keep valid UTF-8 as is, C1 controls included, and a damaged or
    // crafted file may hold anything: escape again so no byte drives the terminal.
    const text = escapeBytes(Buffer.from(r.text, 'utf8'), 'display');
    out.write(`${kleur.dim(r.ts.slice(11, 23))} ${kleur.dim(r.dir)} ${colourFor(r)(text)}\n`);
  }
}
