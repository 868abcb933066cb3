import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { UsageError } from '../src/errors.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { commandLine } from '../src/protocol/outgoing.js';
import { escapeBytes } from '../src/text/escape.js';
import { Transcript } from '../src/transcript/transcript.js';
import { randomText, seededRandom } from './support/random.js';

const dir = mkdtempSync(join(tmpdir(), 'mailsh-transcript-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const clock = (): (() => Date) => {
  let ms = Date.UTC(2026, 0, 1);
  return () => new Date(ms++);
};

test('transcript: every record of a chunk is on disk when the call returns, one timestamp per chunk', () => {
  const file = join(dir, 'chunk.log');
  const t = new Transcript({ file, format: 'text', target: 'imap://h:143', logSecrets: false, now: clock() });
  t.server(Buffer.from('* 1 FETCH (BODY[] {12}\r\nline one\r\nli'));
  // No close, no tick: what a kill -9 right now would leave behind.
  const lines = readFileSync(file, 'utf8').split('\n');
  assert.deepEqual(lines.slice(1), [
    '2026-01-01T00:00:00.001Z S: * 1 FETCH (BODY[] {12}\\r\\n',
    '2026-01-01T00:00:00.001Z S: line one\\r\\n',
    '2026-01-01T00:00:00.001Z S: li',
    '',
  ]);
  t.client(commandLine('A002 LOGOUT'));
  t.note('closed');
  t.close();
  assert.deepEqual(readFileSync(file, 'utf8').split('\n').slice(4), [
    '2026-01-01T00:00:00.002Z C: A002 LOGOUT\\r\\n',
    '2026-01-01T00:00:00.003Z == closed',
    '',
  ]);
});

test('transcript: jsonl records of one chunk are written together', () => {
  const file = join(dir, 'chunk.jsonl');
  const t = new Transcript({ file, format: 'jsonl', target: 'smtp://h:25', logSecrets: false, now: clock() });
  t.server(Buffer.from('250-a\r\n250 b\r\n'));
  const records = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
  assert.deepEqual(records.slice(1), [
    { ts: '2026-01-01T00:00:00.001Z', dir: 'S', data: '250-a\r\n' },
    { ts: '2026-01-01T00:00:00.001Z', dir: 'S', data: '250 b\r\n' },
  ]);
  t.close();
});

test('transcript: plain ASCII chunks and chunks that need escapes give the same records', () => {
  const random = seededRandom(5);
  for (let round = 0; round < 200; round++) {
    // Mostly plain text; now and then a byte that needs an escape.
    const alphabet = round % 3 === 0 ? 'ab\r\n\\\t\x00\xe9' : 'ab .\r\n';
    const chunk = Buffer.from(randomText(random, alphabet, 30), 'latin1');
    const file = join(dir, `random-${round}.log`);
    const t = new Transcript({ file, format: 'text', target: 't', logSecrets: false, now: () => new Date(0) });
    t.server(chunk);
    t.close();
    const expected = chunk.toString('latin1').split(/(?<=\n)/).filter((l) => l !== '');
    const records = expected.map((line) => `1970-01-01T00:00:00.000Z S: ${escapeBytes(Buffer.from(line, 'latin1'))}\n`).join('');
    assert.equal(readFileSync(file, 'utf8').split('\n').slice(1).join('\n'), records, JSON.stringify(chunk.toString('latin1')));
  }
});

test('transcript: a symbolic link is refused and the file it points to untouched; an existing file becomes 0600 (issue 21)', () => {
  const target = join(dir, 'elsewhere');
  writeFileSync(target, 'keep\n', { mode: 0o644 });
  const link = join(dir, 'link.log');
  symlinkSync(target, link);
  assert.throws(() => new Transcript({ file: link, format: 'text', target: 'imap://h:143', logSecrets: false }), (err: unknown) => err instanceof UsageError && /symbolic link/.test(err.message));
  assert.equal(readFileSync(target, 'utf8'), 'keep\n');
  assert.equal(statSync(target).mode & 0o777, 0o644);
  // The same file opened by its real path: appended to, and made 0600.
  const t = new Transcript({ file: target, format: 'text', target: 'imap://h:143', logSecrets: false });
  t.close();
  assert.equal(statSync(target).mode & 0o777, 0o600);
  assert.match(readFileSync(target, 'utf8'), /^keep\n# mailsh /);
});
