import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageEncoder, dotStuffLine, dotUnstuffLine } from '../src/framing/dot-stuffing.js';
import { randomCuts, randomText, seededRandom } from './support/random.js';

test('dot-stuffing: typed lines', () => {
  assert.equal(dotStuffLine('.'), '..');
  assert.equal(dotStuffLine('.hidden'), '..hidden');
  assert.equal(dotStuffLine('a.b'), 'a.b');
  assert.equal(dotStuffLine(''), '');
  assert.equal(dotUnstuffLine('..x'), '.x');
});

function encode(chunks: string[], stuff: boolean): string {
  const e = new MessageEncoder(stuff);
  return Buffer.concat([...chunks.map((c) => e.push(Buffer.from(c, 'latin1'))), e.end()]).toString('latin1');
}

/** The same through one reused output buffer of `maxOutput` bytes, each result copied out before the next push. */
function encodeInto(chunks: string[], stuff: boolean): string {
  const e = new MessageEncoder(stuff);
  const into = Buffer.alloc(MessageEncoder.maxOutput(Math.max(0, ...chunks.map((c) => c.length))));
  return Buffer.concat([...chunks.map((c) => Buffer.from(e.push(Buffer.from(c, 'latin1'), into))), e.end()]).toString('latin1');
}

test('message encoder: CRLF normalisation and dot-stuffing', () => {
  const table: [string, string][] = [
    ['Subject: x\n\nbody\n', 'Subject: x\r\n\r\nbody\r\n.\r\n'],
    ['a\r\nb\rc', 'a\r\nb\r\nc\r\n.\r\n'],
    ['.dot\n..two\nnot.first\n.', '..dot\r\n...two\r\nnot.first\r\n..\r\n.\r\n'],
    ['', '.\r\n'],
  ];
  for (const [input, wire] of table) {
    assert.equal(encode([input], true), wire, JSON.stringify(input));
    // Any chunking gives the same bytes.
    assert.equal(encode([...input], true), wire, `bytewise ${JSON.stringify(input)}`);
  }
  assert.equal(encode(['.a\nb'], false), '.a\r\nb\r\n');
});

test('message encoder: any input, cut anywhere, gives CRLF lines with dots stuffed', () => {
  const random = seededRandom(7);
  for (let round = 0; round < 500; round++) {
    const input = randomText(random, 'a.\r\n', 40);
    const chunks = randomCuts(random, input, 6);
    let wire = input.replace(/\r\n|\r|\n/g, '\r\n').replace(/(^|\r\n)\./g, '$1..');
    if (wire !== '' && !wire.endsWith('\r\n')) wire += '\r\n';
    assert.equal(encode(chunks, true), `${wire}.\r\n`, JSON.stringify(chunks));
    assert.equal(encodeInto(chunks, true), `${wire}.\r\n`, `into: ${JSON.stringify(chunks)}`);
  }
});

test('message encoder: the worst case (bare line ends after a pending CR) fits maxOutput', () => {
  const e = new MessageEncoder(true);
  e.push(Buffer.from('x\r'));
  const chunk = Buffer.from('.\n'.repeat(8), 'latin1');
  const into = Buffer.alloc(MessageEncoder.maxOutput(chunk.length));
  const out = e.push(chunk, into);
  assert.equal(out.toString('latin1'), `\r\n${'..\r\n'.repeat(8)}`);
  assert.ok(out.length <= into.length && out.buffer === into.buffer, 'encoded into the buffer given');
});
