import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commandLine, rawBytes, Secret } from '../src/protocol/outgoing.js';
import { renderSent, renderServerLine, setColor } from '../src/repl/render.js';

setColor(false);

test('render: the echo leaves out the CRLF every line ends with, and shows any other line end', () => {
  assert.equal(renderSent(commandLine('NOOP')), 'C: NOOP');
  assert.equal(renderSent(commandLine('AUTH PLAIN ', new Secret('AGEAYg=='))), 'C: AUTH PLAIN <redacted 8 bytes>');
  // /bytes: exact bytes, so a bare LF or a CR LF in the middle is shown as sent.
  assert.equal(renderSent(rawBytes(Buffer.from('a\n'))), 'C: a\\n');
  assert.equal(renderSent(rawBytes(Buffer.from('a\r\n.\r\nb'))), 'C: a\\r\\n.\\r\\nb');
  assert.equal(renderSent(rawBytes(Buffer.from('a\r\n\r\n'))), 'C: a\\r\\n');
  // Typed backslashes are text, not a line end.
  assert.equal(renderSent(commandLine('x \\r\\n')), 'C: x \\r\\n');
});

test('render: a server line shows the same with or without its text at hand', () => {
  for (const [bytes, text] of [
    [Buffer.from('250 ok'), '250 ok'],
    [Buffer.from('250 a\tb'), '250 a\tb'],
    [Buffer.from('250 \x1b[2J'), '250 \x1b[2J'],
  ] as const) {
    const shown = renderServerLine({ bytes, ending: 'crlf', text }, { cls: 'ok' });
    assert.equal(shown, renderServerLine({ bytes, ending: 'crlf' }, { cls: 'ok' }));
  }
  assert.equal(renderServerLine({ bytes: Buffer.from('250 \x1b[2J'), ending: 'lf', text: '250 \x1b[2J' }, { cls: 'ok' }), 'S: 250 \\x1b[2J [bare LF: protocol violation]');
});

test('render: Unicode bidi controls from a server are escaped live (issue 21)', () => {
  const line = { bytes: Buffer.from('250 ok \u202egnp.exe \u2066x\u2069 \u200f'), ending: 'crlf' as const };
  assert.equal(renderServerLine(line, { cls: 'info' }), 'S: 250 ok \\u202egnp.exe \\u2066x\\u2069 \\u200f');
  // Other non-ASCII text is shown as it is.
  assert.equal(renderServerLine({ bytes: Buffer.from('250 Grüße 日本'), ending: 'crlf' }, { cls: 'info' }), 'S: 250 Grüße 日本');
});
