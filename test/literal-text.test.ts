import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LiteralLines } from '../src/framing/literal-lines.js';
import { LiteralText } from '../src/repl/literal-text.js';
import { escapeBytes } from '../src/text/escape.js';
import { randomCuts, randomText, seededRandom } from './support/random.js';

/** Random literals cut at random points. */
function* randomLiterals(alphabet: string, seed: number): Generator<Buffer[]> {
  const random = seededRandom(seed);
  for (let round = 0; round < 400; round++) {
    yield randomCuts(random, randomText(random, alphabet, 50), 12).map((piece) => Buffer.from(piece, 'latin1'));
  }
}

function render(chunks: Buffer[], each: (chunk: { literal: Buffer; remaining: number }) => string): string {
  let remaining = chunks.reduce((n, c) => n + c.length, 0);
  return chunks.map((literal) => each({ literal, remaining: (remaining -= literal.length) })).join('');
}

test('literal text: chunk by chunk, the same S: lines as line by line', () => {
  // Plain ASCII (the fast way), and bytes that need the line-by-line way: a
  // UTF-8 é cut between chunks, NUL, ESC, invalid bytes.
  for (const [alphabet, seed] of [['ab .\t\\\r\n', 3], ['ab\r\n\xc3\xa9\x00\x1b\xff', 9]] as const) {
    for (const chunks of randomLiterals(alphabet, seed)) {
      const lines = new LiteralLines();
      const expected = render(chunks, (chunk) => {
        let out = '';
        lines.push(chunk, (line) => (out += `S: ${escapeBytes(line, 'display')}\n`));
        return out;
      });
      const text = new LiteralText();
      assert.equal(render(chunks, (chunk) => text.render(chunk)), expected, JSON.stringify(chunks.map((c) => c.toString('latin1'))));
    }
  }
});
