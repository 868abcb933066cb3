import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closestCommand } from '../src/protocol/command-hint.js';
import { createAdapter } from '../src/protocol/detect.js';

const greet = (protocol: 'imap' | 'smtp' | 'pop3', greeting: string) => {
  const a = createAdapter(protocol);
  a.receive({ bytes: Buffer.from(greeting), ending: 'crlf' });
  return a;
};

test('hint: neither of the first two words an IMAP command — said before sending, with the closest (issue 16 §6)', () => {
  const a = greet('imap', '* OK hi');
  const p = a.prepare('selct INBOX');
  assert.equal(p.hint, 'neither "selct" nor "INBOX" is an IMAP command: sent as typed; did you mean SELECT?');
  assert.equal(Buffer.concat(p.out.pieces.map((x) => x.bytes)).toString(), 'selct INBOX\r\n', 'still sent as typed');
  assert.equal(a.prepare('select INBOX').hint, undefined);
  assert.equal(a.prepare('x1 fetch 1 flags').hint, undefined, 'a typed tag before a command');
  assert.equal(a.prepare('hello').hint, '"hello" is not an IMAP command: sent as typed');
});

test('hint: a line other than DONE during IDLE', () => {
  const a = greet('imap', '* OK hi');
  a.prepare('idle');
  a.receive({ bytes: Buffer.from('+ idling'), ending: 'crlf' });
  assert.match(a.prepare('a noop').hint ?? '', /IDLE: only DONE ends it/);
  assert.equal(a.prepare('DONE').hint, undefined);
});

test('hint: SMTP and POP3 verbs; X- extensions and known verbs draw none', () => {
  const s = greet('smtp', '220 hi');
  assert.equal(s.prepare('ELHO me').hint, '"ELHO" is not an SMTP command: sent as typed; did you mean EHLO?');
  for (const ok of ['EHLO me', 'XCLIENT NAME=x', 'ETRN x', 'MAIL FROM:<a@b>']) assert.equal(s.prepare(ok).hint, undefined, ok);
  const p = greet('pop3', '+OK hi');
  assert.equal(p.prepare('retrr 1').hint, '"retrr" is not a POP3 command: sent as typed; did you mean RETR?');
  assert.equal(closestCommand('zzzzzz', ['SELECT']), undefined);
});
