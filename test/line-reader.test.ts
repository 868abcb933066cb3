import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProtocolError } from '../src/errors.js';
import { LineReader, lineText, type ServerItem, type ServerLine } from '../src/framing/line-reader.js';
import { randomCuts, randomText, seededRandom } from './support/random.js';

function items(chunks: string[], max?: number, literals = false): ServerItem[] {
  const r = new LineReader(max);
  r.literals = literals;
  return chunks.flatMap((c) => r.push(Buffer.from(c, 'latin1')));
}

function read(chunks: string[], max?: number): [string, ServerLine['ending']][] {
  return items(chunks, max).map((l) => ('literal' in l ? ['literal', 'none'] : [l.bytes.toString('latin1'), l.ending]));
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

test('server lines: IMAP literals pass raw, whatever they contain, at any split', () => {
  const body = 'Subject: x\r\n\r\nA001 OK fake\r\n* BYE no\r\n';
  const text = `* 1 FETCH (BODY[] {${body.length}}\r\n${body})\r\nA001 OK done\r\n`;
  for (let cut = 0; cut <= text.length; cut++) {
    const out = items([text.slice(0, cut), text.slice(cut)], undefined, true);
    const lines = out.flatMap((i) => ('literal' in i ? [] : [[i.bytes.toString('latin1'), i.continued ?? false]]));
    const literal = out.flatMap((i) => ('literal' in i ? [i.literal.toString('latin1')] : [])).join('');
    assert.deepEqual(lines, [[`* 1 FETCH (BODY[] {${body.length}}`, false], [')', true], ['A001 OK done', false]], `cut ${cut}`);
    assert.equal(literal, body, `cut ${cut}`);
  }
});

test('server lines: without literal mode, {N} is just text', () => {
  assert.deepEqual(read(['250 {3}\r\nabc\r\n']), [['250 {3}', 'crlf'], ['abc', 'crlf']]);
});

test('server lines: a literal over the limit is an error, announced size only', () => {
  assert.throws(
    () => items(['* 1 FETCH (BODY[] {10000000000}\r\n'], undefined, true),
    (e: unknown) => e instanceof ProtocolError && e.code === 'LITERAL_TOO_LARGE' && /10000000000-byte literal/.test(e.message),
  );
  const r = new LineReader(1024, 10);
  r.literals = true;
  assert.throws(() => r.push(Buffer.from('* X {11}\r\n')), /over the 10-byte limit/);
});

test('server lines: any input cut anywhere frames like the whole input', () => {
  const random = seededRandom(11);
  const ENDINGS: Record<string, ServerLine['ending']> = { '\r\n': 'crlf', '\r': 'cr', '\n': 'lf' };
  for (let round = 0; round < 500; round++) {
    const input = randomText(random, 'ab\r\n', 40);
    const chunks = randomCuts(random, input, 6);
    // A CR at the very end still waits for the next byte.
    const expected = [...input.matchAll(/([^\r\n]*)(\r\n|\r(?!$)|\n)/g)].map((m) => [m[1], ENDINGS[m[2]]]);
    assert.deepEqual(read(chunks), expected, JSON.stringify(chunks));
  }
});

test('server lines: the text that comes with a line is its UTF-8 decoding, at any split', () => {
  const random = seededRandom(7);
  // ASCII, UTF-8 (é, €) and an invalid byte, with every kind of line end.
  const bytes = Buffer.concat([Buffer.from('250-ok\r\n250-caf\u00e9\r\n250-'), Buffer.of(0xff), Buffer.from('\n250-\u20ac x\r250 end\r\n')]);
  for (let round = 0; round < 200; round++) {
    const r = new LineReader();
    const cuts = randomCuts(random, bytes.toString('latin1'), 9);
    const lines = cuts.flatMap((c) => r.push(Buffer.from(c, 'latin1'))).filter((l): l is ServerLine => !('literal' in l));
    assert.equal(lines.length, 5);
    for (const line of lines) {
      assert.equal(lineText(line), line.bytes.toString('utf8'));
      // Text comes only where it is exact: a line of ASCII seen whole in one chunk.
      if (line.text !== undefined) assert.equal(line.text, line.bytes.toString('latin1'));
    }
  }
  const [whole] = new LineReader().push(Buffer.from('250 ok\r\n')) as ServerLine[];
  assert.equal(whole.text, '250 ok');
  const [utf8] = new LineReader().push(Buffer.from('250 caf\u00e9\r\n')) as ServerLine[];
  assert.equal(utf8.text, undefined);
  assert.equal(lineText(utf8), '250 caf\u00e9');
});
