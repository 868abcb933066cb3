import type { Writable } from 'node:stream';
import kleur from 'kleur';
import { UsageError } from '../errors.js';
import { escapeBytes } from '../text/escape.js';
import { TranscriptParser, fileLines, type TranscriptRecord } from './reader.js';

/** What `mailsh show` filters and adds (SPEC §9). */
export interface ShowOptions {
  /** `--since`: records from this time on (see parseSince). */
  since?: string;
  /** `--grep RE`: only records whose text matches. */
  grep?: string;
  /**
   * A dim note after a record, e.g. a SASL challenge decoded; given by the
   * caller, since decoding is protocol knowledge (a higher layer).
   */
  annotate?(record: TranscriptRecord): string | undefined;
}

function colourFor(record: TranscriptRecord): (s: string) => string {
  if (record.dir === '==') return record.text.startsWith('tls ') ? (s) => kleur.magenta().bold(s) : kleur.dim;
  if (record.dir === 'C:') return kleur.bold;
  const m = /^(?:\S+ )?([2-5])\d\d|^(?:\* |\S+ )?(OK|NO|BAD)\b|^(\+OK|-ERR)/.exec(record.text);
  const status = m?.[1] ?? m?.[2] ?? m?.[3];
  if (status === '2' || status === 'OK' || status === '+OK') return kleur.green;
  if (status === '3') return kleur.cyan;
  if (status === '4') return kleur.yellow;
  if (status === '5' || status === 'NO' || status === 'BAD' || status === '-ERR') return kleur.red;
  return (s) => s;
}

/**
 * `--since`: `+SECONDS` after the transcript's start, a time of day
 * `HH:MM[:SS[.mmm]]` (UTC, as the records are), or an ISO timestamp prefix
 * `2026-11-24T05:01`. Returns a test on a record's timestamp.
 */
export function parseSince(since: string, start: number): (ts: string) => boolean {
  const relative = /^\+(\d+(?:\.\d+)?)s?$/.exec(since);
  if (relative) {
    const from = start + Number(relative[1]) * 1000;
    return (ts) => Date.parse(ts) >= from;
  }
  if (/^\d\d:\d\d(:\d\d(\.\d{1,3})?)?$/.test(since)) return (ts) => ts.slice(11, 11 + since.length) >= since;
  if (/^\d{4}-\d\d-\d\d(T\d\d(:\d\d(:\d\d(\.\d{1,3})?)?)?)?Z?$/.test(since)) {
    const prefix = since.replace(/Z$/, '');
    return (ts) => ts.slice(0, prefix.length) >= prefix;
  }
  throw new UsageError(`--since needs +SECONDS, HH:MM[:SS] (UTC) or an ISO time, not "${since}"`);
}

function grepTest(grep: string | undefined): (text: string) => boolean {
  if (grep === undefined) return () => true;
  try {
    const re = new RegExp(grep);
    return (text) => re.test(text);
  } catch {
    throw new UsageError(`--grep needs a regular expression, not "${grep}"`);
  }
}

/** `+1.234s` after the start, padded so the columns line up. */
function relativeTime(ts: string, start: number): string {
  const ms = Date.parse(ts) - start;
  return `+${(ms / 1000).toFixed(3)}s`.padStart(9);
}

/**
 * `mailsh show FILE`: the transcript in colour, one record per line, with
 * the time of day and the time since the start; TLS notes stand out, masked
 * secrets are marked, and `annotate` may add a dim note (decoded SASL
 * challenges).
 */
export function showTranscript(file: string, out: Writable, opts: ShowOptions = {}): void {
  const parser = new TranscriptParser();
  const grep = grepTest(opts.grep);
  if (opts.since !== undefined) parseSince(opts.since, 0); // a bad --since is an error before any output
  let start: number | undefined;
  let since: (ts: string) => boolean = () => true;
  // Shown before the first record, or alone when there is none.
  const writeHeader = (): void => {
    if (parser.header) out.write(`${kleur.dim(`# ${escapeBytes(Buffer.from(parser.header, 'utf8'), 'display')}`)}\n`);
  };
  // Streamed a line at a time: a transcript of any size is shown (issue 21 item 11).
  for (const line of fileLines(file)) {
    const r = parser.push(line);
    if (!r) continue;
    if (start === undefined) {
      const startIso = /\bstart=(\S+)/.exec(parser.header ?? '')?.[1] ?? r.ts;
      start = Date.parse(startIso);
      if (opts.since !== undefined) since = parseSince(opts.since, start);
      writeHeader();
    }
    if (!since(r.ts) || !grep(r.text)) continue;
    // Records keep valid UTF-8 as is, C1 controls included, and a damaged or
    // crafted file may hold anything: escape again so no byte drives the terminal.
    const text = escapeBytes(Buffer.from(r.text, 'utf8'), 'display');
    const body = colourFor(r)(text).replace(/\\<redacted \d+ bytes>/g, (m) => kleur.yellow().inverse(m));
    // A note quotes server bytes (a decoded challenge): escaped as the live session escapes it.
    const note = opts.annotate?.(r);
    const shownNote = note ? `   ${kleur.dim(`[${escapeBytes(Buffer.from(note, 'utf8'), 'display')}]`)}` : '';
    out.write(`${kleur.dim(`${r.ts.slice(11, 23)} ${relativeTime(r.ts, start)}`)} ${kleur.dim(r.dir)} ${body}${shownNote}\n`);
  }
  if (start === undefined) writeHeader();
}
