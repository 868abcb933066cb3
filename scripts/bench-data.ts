/**
 * The test message for `npm run bench`: plain 78-character text lines with
 * CRLF, some starting with "." so that DATA's dot-stuffing has work to do.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

export const MiB = 1024 * 1024;

export interface BenchMessage {
  /** The message as a file holds it (and as IMAP FETCH returns it). */
  body: Buffer;
  /** The same message as DATA puts it on the wire: dot-stuffed, ended by ".". */
  dataOnWire: Buffer;
}

/** A message of at least `size` bytes, made of whole lines. */
export function makeMessage(size: number): BenchMessage {
  const head = 'From: <a@bench.test>\r\nTo: <b@bench.test>\r\nSubject: mailsh bench\r\n\r\n';
  const lines: string[] = [];
  const stuffed: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const text = `${i % 97 === 0 ? '.' : ''}${(i * 7919).toString(36)} `.padEnd(78, 'abcdefghijklmnopqrstuvwxyz0123456789'.charAt(i % 36));
    lines.push(`${text}\r\n`);
    stuffed.push(`${text.startsWith('.') ? '.' : ''}${text}\r\n`);
  }
  const block = Buffer.from(lines.join(''), 'latin1');
  const stuffedBlock = Buffer.from(stuffed.join(''), 'latin1');
  const copies = Math.ceil((size - head.length) / block.length);
  const body = Buffer.concat([Buffer.from(head, 'latin1'), ...Array<Buffer>(copies).fill(block)]);
  const dataOnWire = Buffer.concat([Buffer.from(head, 'latin1'), ...Array<Buffer>(copies).fill(stuffedBlock), Buffer.from('.\r\n')]);
  return { body, dataOnWire };
}

/** Writes `parts` to `file`, each `times` times in order (a 1 GiB file without a 1 GiB buffer). */
export function writeRepeatedFile(file: string, parts: Buffer[], times = 1): void {
  const fd = openSync(file, 'w');
  try {
    for (const part of parts) {
      for (let k = 0; k < times; k++) writeSync(fd, part);
    }
  } finally {
    closeSync(fd);
  }
}
