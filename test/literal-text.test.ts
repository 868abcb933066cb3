import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LiteralLines } from '../src/framing/literal-lines.js';
import { LiteralText } from '../src/repl/literal-text.js';
import { escapeBytes } from '../src/transcript/escape.js';

/** Random literals cut at random points, as chunks counting down to the end. */
function* randomLiterals(alphabet: string, seed: number): Generator<Buffer[]> {
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let round = 0; round < 400; round++) {
    const text = Array.from({ length: random(50) }, () => alphabet[random(alphabet.length)]).join('');
    const chunks: Buffer[] = [];
    for (let at = 0; at < text.length; ) {
      const size = 1 + random(12);
      chunks.push(Buffer.from(text.slice(at, at + size), 'latin1'));
      at += size;
    }
    yield chunks;
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
