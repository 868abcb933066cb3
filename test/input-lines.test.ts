import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputLineSplitter, inputLines } from '../src/framing/input-lines.js';

function split(chunks: string[]): string[] {
  const s = new InputLineSplitter();
  return [...chunks.flatMap((c) => s.push(c)), ...s.end()];
}

test('input lines: LF, CR and CRLF each end one line', () => {
  const table: [string[], string[]][] = [
    [['a\nb\n'], ['a', 'b']],
    [['a\rb\r'], ['a', 'b']],
    [['a\r\nb\r\n'], ['a', 'b']],
    [['a\r\n\r\nb'], ['a', '', 'b']],
    [['a\n\nb\n'], ['a', '', 'b']],
    [['a\r\rb'], ['a', '', 'b']],
    [['R\nQ\nk\nK\n'], ['R', 'Q', 'k', 'K']],
    [['no end'], ['no end']],
    [[''], []],
  ];
  for (const [chunks, lines] of table) {
    assert.deepEqual(split(chunks), lines, JSON.stringify(chunks));
    // A script file read whole splits the same way.
    assert.deepEqual(inputLines(chunks.join('')), lines, `whole ${JSON.stringify(chunks)}`);
  }
});

test('input lines: a CRLF split across reads is one line end', () => {
  assert.deepEqual(split(['a\r', '\nb\r', '\n']), ['a', 'b']);
  assert.deepEqual(split(['a\r', 'b']), ['a', 'b']);
  assert.deepEqual(split(['a\r', '\r', '\n']), ['a', '']);
  assert.deepEqual(split(['EHLO x\r', '\n', 'QUIT\r', '\n']), ['EHLO x', 'QUIT']);
});

test('input lines: every split of a text gives the same lines', () => {
  const text = 'EHLO me\r\nMAIL FROM:<a@b>\nRCPT TO:<c@d>\r\rDATA\r\n.\r\n';
  const whole = split([text]);
  for (let i = 0; i <= text.length; i++) {
    for (let j = i; j <= text.length; j += 3) {
      assert.deepEqual(split([text.slice(0, i), text.slice(i, j), text.slice(j)]), whole, `split at ${i},${j}`);
    }
  }
});
