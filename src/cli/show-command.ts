import type { Writable } from 'node:stream';
import { decodeChallenge } from '../protocol/sasl-continuation.js';
import type { TranscriptRecord } from '../transcript/reader.js';
import { showTranscript } from '../transcript/show.js';
import type { CliOptions } from './args.js';

/** A SASL challenge as the transcript has it: SMTP `334 …`, IMAP/POP3 `+ …`. */
const CHALLENGE_RE = /^(?:334|\+) ([A-Za-z0-9+/]+=*)\\r\\n$/;

/** The decoded text of a server's SASL challenge, for `mailsh show`. */
function decodedChallenge(record: TranscriptRecord): string | undefined {
  if (record.dir !== 'S:') return undefined;
  const m = CHALLENGE_RE.exec(record.text);
  const decoded = m ? decodeChallenge(m[1]) : undefined;
  return decoded === undefined ? undefined : `challenge: ${decoded}`;
}

/** `mailsh show FILE [--since TIME] [--grep RE]`. */
export function runShow(file: string, opts: CliOptions, out: Writable): void {
  showTranscript(file, out, { since: opts.since, grep: opts.grep, annotate: decodedChallenge });
}
