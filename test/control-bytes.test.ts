import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PasteInspector, controlBytesIn } from '../src/text/control-bytes.js';

test('controlBytesIn names C0, DEL and C1 controls once each, never TAB', () => {
  assert.deepEqual(controlBytesIn('a\tb'), []);
  assert.deepEqual(controlBytesIn('\x1b]0;x\x07 \x1b[2J \x00\x7f\u009b\x1b'), ['\\x1b', '\\x07', '\\x00', '\\x7f', '\\u009b']);
});

test('PasteInspector: what counts as pasted, per line entered, however the input is chunked', () => {
  const cases: [name: string, chunks: string[], expected: string[][]][] = [
    ['plain typing', ['NOOP\r'], [[]]],
    ['keys coalesced with text: backspace, arrows, Ctrl-U, Alt-b', ['NOOP ab\x7fc\x1b[D\x1b[1;5C\x15\x1bb\r'], [[]]],
    ['keys one per chunk', ['N', 'O', '\x1b[D', '\x7f', '\x03', '\r'], [[]]],
    ['colour codes pasted without brackets', ['NOOP \x1b[31mred\x1b[0m\r'], [['\\x1b[31m', '\\x1b[0m']]],
    ['an OSC title and BEL without brackets', ['NOOP \x1b]0;t\x07z\r'], [['\\x1b]0;t\\x07']]],
    ['an unbound control byte without brackets', ['NOOP a\x00b\r'], [['\\x00']]],
    ['a clean bracketed paste', ['\x1b[200~NOOP pasted\x1b[201~\r'], [[]]],
    ['DEL inside a bracketed paste counts', ['\x1b[200~NOOP a\x7fb\x1b[201~\r'], [['\\x7f']]],
    ['a bracketed paste over several chunks and lines', ['\x1b[200~NOOP one\rNOOP t', 'w\x1bo\r', 'NOOP three\x1b[201~\r'], [[], ['\\x1bo'], []]],
  ];
  for (const [name, chunks, expected] of cases) {
    const inspector = new PasteInspector();
    for (const chunk of chunks) inspector.inspect(chunk);
    assert.deepEqual(expected.map(() => inspector.takeLine()), expected, name);
  }
});

test('PasteInspector: a line thrown away with Ctrl-C forgets what was pasted into it', () => {
  const inspector = new PasteInspector();
  inspector.inspect('NOOP \x1b[31m');
  inspector.clearLine();
  inspector.inspect('NOOP\r');
  assert.deepEqual(inspector.takeLine(), []);
});
