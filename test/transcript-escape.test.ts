import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeBytes, isPlainText, redactedMarker, replaceCrlf, unescapeRecord, utf8SequenceLength } from '../src/text/escape.js';

test('escape: the SPEC §9 escapes', () => {
  const table: [Buffer, string][] = [
    [Buffer.from('A001 LOGIN\r\n'), 'A001 LOGIN\\r\\n'],
    [Buffer.from('tab\there'), 'tab\\there'],
    [Buffer.from('back\\slash'), 'back\\\\slash'],
    [Buffer.from([0x00, 0x1b, 0x7f]), '\\x00\\x1b\\x7f'],
    [Buffer.from('grüße ✓ 😀'), 'grüße ✓ 😀'],
    [Buffer.from([0xff, 0x41, 0xc3]), '\\xff' + 'A' + '\\xc3'],
    [Buffer.from([0xc0, 0x80]), '\\xc0\\x80'], // overlong NUL
    [Buffer.from([0xed, 0xa0, 0x80]), '\\xed\\xa0\\x80'], // surrogate
  ];
  for (const [bytes, text] of table) assert.equal(escapeBytes(bytes), text);
});

test('escape: display mode escapes C1 controls and keeps backslash and tab', () => {
  assert.equal(escapeBytes(Buffer.from('\u009b2J a\\b\tc'), 'display'), '\\u009b2J a\\b\tc');
});

test('escape: round trip of random bytes is lossless', () => {
  let seed = 42;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 256;
  for (let n = 0; n < 300; n++) {
    const bytes = Buffer.from(Array.from({ length: n }, rand));
    const parts = unescapeRecord(escapeBytes(bytes));
    const back = Buffer.concat(parts.map((p) => ('bytes' in p ? p.bytes : Buffer.alloc(0))));
    assert.deepEqual(back, bytes);
  }
});

test('escape: redaction markers come back as such', () => {
  const text = `A001 LOGIN alice ${redactedMarker(12)}\\r\\n`;
  assert.deepEqual(unescapeRecord(text), [{ bytes: Buffer.from('A001 LOGIN alice ') }, { redacted: 12 }, { bytes: Buffer.from('\r\n') }]);
});

test('utf8: sequence lengths', () => {
  assert.equal(utf8SequenceLength(Buffer.from('é'), 0), 2);
  assert.equal(utf8SequenceLength(Buffer.from('✓'), 0), 3);
  assert.equal(utf8SequenceLength(Buffer.from('😀'), 0), 4);
  assert.equal(utf8SequenceLength(Buffer.from([0xf4, 0x90, 0x80, 0x80]), 0), 0); // > U+10FFFF
  assert.equal(utf8SequenceLength(Buffer.from([0xe2, 0x9c]), 0), 0); // truncated
});

test('isPlainText: ASCII that escapes to itself but for line ends', () => {
  const table: [string, boolean, boolean][] = [
    // text, transcript, display
    ['A001 OK done\r\nmore\n', true, true],
    ['tab\there', false, true],
    ['back\\slash', false, true],
    ['nul\x00', false, false],
    ['esc\x1b[2J', false, false],
    ['del\x7f', false, false],
    ['café', false, false],
  ];
  for (const [text, transcript, display] of table) {
    const bytes = Buffer.from(text, 'utf8');
    assert.equal(isPlainText(bytes, 'transcript'), transcript, JSON.stringify(text));
    assert.equal(isPlainText(bytes, 'display'), display, JSON.stringify(text));
  }
});

test('escape: replaceCrlf replaces CRLF line ends and refuses text with a bare CR or LF', () => {
  assert.equal(replaceCrlf('a\r\nb\r\n', '\nS: '), 'a\nS: b\nS: ');
  assert.equal(replaceCrlf('no line end', '\nS: '), 'no line end');
  assert.equal(replaceCrlf('a\r\nb\nc\r\n', '\nS: '), undefined);
  assert.equal(replaceCrlf('\na\r\n', '\nS: '), undefined);
  assert.equal(replaceCrlf('a\rb\r\n', '\nS: '), undefined);
  assert.equal(replaceCrlf('a\r\n\r', '\nS: '), undefined);
});
