/**
 * The jsonl transcript decodes in one step to the wire text (issue 17 item
 * 10), `show` renders both formats alike, a damaged jsonl file is a one-line
 * error (issue 21 item 10), and `show` streams (issue 21 item 11).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { UsageError } from '../src/errors.js';
import { commandLine, markSecrets } from '../src/protocol/outgoing.js';
import { setColor } from '../src/repl/render.js';
import { parseTranscript } from '../src/transcript/reader.js';
import { showTranscript } from '../src/transcript/show.js';
import { Transcript, type TranscriptFormat } from '../src/transcript/transcript.js';

const dir = mkdtempSync(join(tmpdir(), 'mailsh-jsonl-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const fixedClock = (): Date => new Date(Date.UTC(2026, 0, 1));

/** One session's worth of records, in a transcript of `format`. */
let sessions = 0;
function writeSession(format: TranscriptFormat): string {
  const file = join(dir, `session-${++sessions}.${format}`);
  const t = new Transcript({ file, format, target: 'imap://h:143', logSecrets: false, now: fixedClock });
  t.note('connected 127.0.0.1:143');
  t.server(Buffer.concat([Buffer.from('* LIST (\\HasNoChildren) "/" "Entw\u00fcrfe"\r\n'), Buffer.from('* OK caf\xe9 latin1\r\n', 'latin1')]));
  t.server(Buffer.from('* OK \u00e9t\u00e9 in UTF-8\r\n'));
  t.client(markSecrets(commandLine('a1 LOGIN alice s3cret'), ['s3cret']));
  t.server(Buffer.from('partial line without its end'));
  t.note('closed');
  t.close();
  return file;
}

function collect(): { out: Writable; text: () => string } {
  let text = '';
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString('utf8');
      cb();
    },
  });
  return { out, text: () => text };
}

test('jsonl: one JSON decode gives the exact wire text; bytes that are not UTF-8 go in b64; secrets in parts', () => {
  const file = writeSession('jsonl');
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines[0].type, 'header');
  assert.equal(lines[0].schema, 2);
  const records = lines.slice(1);
  assert.deepEqual(records[0], { ts: '2026-01-01T00:00:00.000Z', dir: '==', data: 'connected 127.0.0.1:143' });
  // Not `\\HasNoChildren`, not a literal `\r\n`: the bytes as they were on the wire.
  assert.equal(records[1].data, '* LIST (\\HasNoChildren) "/" "Entw\u00fcrfe"\r\n');
  assert.equal(records[2].data, undefined);
  assert.equal(Buffer.from(records[2].b64 as string, 'base64').toString('latin1'), '* OK caf\xe9 latin1\r\n');
  assert.equal(records[3].data, '* OK \u00e9t\u00e9 in UTF-8\r\n');
  assert.deepEqual(records[4].parts, [{ data: 'a1 LOGIN alice ' }, { redacted: 6 }, { data: '\r\n' }]);
  assert.equal(records[5].data, 'partial line without its end');
  assert.ok(!readFileSync(file, 'utf8').includes('s3cret'));
});

test('jsonl: the record bytes are the wire bytes, for the bytes of every value', () => {
  const file = join(dir, 'bytes.jsonl');
  const t = new Transcript({ file, format: 'jsonl', target: 't', logSecrets: false, now: fixedClock });
  const wire = Buffer.from([...Array(256).keys()]);
  t.server(wire);
  t.close();
  const records = readFileSync(file, 'utf8').trimEnd().split('\n').slice(1).map((l) => JSON.parse(l) as { data?: string; b64?: string });
  const bytes = Buffer.concat(records.map((r) => (r.b64 !== undefined ? Buffer.from(r.b64, 'base64') : Buffer.from(r.data!, 'utf8'))));
  assert.ok(bytes.equals(wire));
});

test('show renders a text and a jsonl transcript of the same session the same', () => {
  setColor(false);
  const shown = (['text', 'jsonl'] as const).map((format) => {
    const c = collect();
    showTranscript(writeSession(format), c.out);
    // The header lines differ in wording (mailsh version, format); the records must not.
    return c.text().split('\n').slice(1).join('\n');
  });
  assert.equal(shown[1], shown[0]);
  assert.match(shown[0], /S: \* LIST \(\\\\HasNoChildren\) "\/" "Entw\u00fcrfe"\\r\\n/);
  assert.match(shown[0], /C: a1 LOGIN alice \\<redacted 6 bytes>\\r\\n/);
});

test('jsonl written before schema 2 (data escaped as in the text format) still reads', () => {
  const { records } = parseTranscript(
    '{"type":"header","mailsh":"0.1.0","target":"smtp://h:25","start":"2026-01-01T00:00:00.000Z","secrets":"redacted"}\n' +
      '{"ts":"2026-01-01T00:00:00.001Z","dir":"S","data":"220 hi\\\\r\\\\n"}\n',
  );
  assert.equal(records[0].text, '220 hi\\r\\n');
});

test('a jsonl transcript with wrong field types is a one-line error naming the line, not a TypeError', () => {
  const header = '{"type":"header","mailsh":"0.1.0","schema":2,"target":"smtp://h:25","start":"2026-01-01T00:00:00.000Z"}';
  for (const record of [
    '{"ts":5,"dir":"S","data":"x"}',
    '{"ts":"2026-01-01T00:00:00.001Z","dir":7,"data":"x"}',
    '{"ts":"2026-01-01T00:00:00.001Z","dir":"S","data":{"a":1}}',
    '{"ts":"2026-01-01T00:00:00.001Z","dir":"S","parts":[null]}',
    '{"ts":"2026-01-01T00:00:00.001Z","dir":"S","parts":[{"redacted":"x"}]}',
    '{"ts":"2026-01-01T00:00:00.001Z","dir":"X","data":"x"}',
    '[1,2]',
    'null',
    '{"type":"header","target":1}',
  ]) {
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, `${header}\n${record}\n`);
    assert.throws(() => parseTranscript(readFileSync(file, 'utf8')), (err: Error) => err instanceof UsageError && /at line 2/.test(err.message), record);
    assert.throws(() => showTranscript(file, collect().out), UsageError, record);
  }
});
