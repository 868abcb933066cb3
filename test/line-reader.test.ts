import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProtocolError } from '../src/errors.js';
import { LineReader, type ServerLine } from '../src/framing/line-reader.js';

function read(chunks: string[], max?: number): [string, ServerLine['ending']][] {
  const r = new LineReader(max);
  const out = chunks.flatMap((c) => r.push(Buffer.from(c, 'latin1')));
  return out.map((l) => [l.bytes.toString('latin1'), l.ending]);
}

test('server lines: CRLF, bare LF and bare CR are told apart', () => {
  assert.deepEqual(read(['220 a\r\n250 b\n251 c\rx\r\n']), [
    ['220 a', 'crlf'],
    ['250 b', 'lf'],
    ['251 c', 'cr'],
    ['x', 'crlf'],
  ]);
});

test('server lines: a CRLF split across chunks, one byte per chunk', () => {
  const text = '250-a\r\n250 b\r\n';
  assert.deepEqual(read([...text]), [
    ['250-a', 'crlf'],
    ['250 b', 'crlf'],
  ]);
  assert.deepEqual(read(['a\r', 'b\r\n']), [
    ['a', 'cr'],
    ['b', 'crlf'],
  ]);
});

test('server lines: the unended rest is kept and can be drained', () => {
  const r = new LineReader();
  assert.deepEqual(r.push(Buffer.from('partial')), []);
  assert.equal(r.buffered, 7);
  assert.equal(r.drain().toString(), 'partial');
  assert.equal(r.buffered, 0);
});

test('server lines: a line over the limit is an error, not a cut', () => {
  assert.throws(() => read(['x'.repeat(11)], 10), (e: unknown) => e instanceof ProtocolError && e.code === 'LINE_TOO_LONG');
  assert.throws(() => read(['xxxxxx', 'xxxxxx'], 10), (e: unknown) => e instanceof ProtocolError && e.code === 'LINE_TOO_LONG');
  assert.deepEqual(read(['x'.repeat(10) + '\r\n'], 10), [['x'.repeat(10), 'crlf']]);
});
