import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SmtpAdapter } from '../src/protocol/smtp.js';
import { isMetaCommand, serverText } from '../src/session/meta-line.js';

function feed(a: SmtpAdapter, line: string): void {
  a.receive({ bytes: Buffer.from(line), ending: 'crlf' });
}

test('meta-line: one decision for the REPL and the input queue, by the mode the adapter is in', () => {
  const a = new SmtpAdapter();
  feed(a, '220 hi');
  assert.equal(isMetaCommand('/send x', a), true);
  assert.equal(isMetaCommand('//send x', a), false);
  assert.equal(serverText('//send x', a), '/send x');
  assert.equal(isMetaCommand('MAIL FROM:<a@b>', a), false);
  a.prepare('DATA');
  feed(a, '354 go');
  // Inside DATA every line is message text, sent as typed.
  assert.equal(isMetaCommand('/send x', a), false);
  assert.equal(serverText('//send x', a), '//send x');
  // Without an adapter: whether it will be one where meta commands apply.
  assert.equal(isMetaCommand('/expect 250'), true);
  assert.equal(isMetaCommand('//x'), false);
});
