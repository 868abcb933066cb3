/** Issue 17, items 1–4 and 6: what real servers send, fed to the adapters. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHmac } from 'node:crypto';
import { ImapAdapter } from '../src/protocol/imap.js';
import { SieveAdapter } from '../src/protocol/sieve.js';
import { SmtpAdapter } from '../src/protocol/smtp.js';
import { decodeChallenge } from '../src/protocol/sasl-continuation.js';
import { mismatch, parseExpectation } from '../src/protocol/expectation.js';
import { feedLines, repliesOf, warningsOf } from './support/adapter-feed.js';

const expect = (spec: string) => parseExpectation(spec)!;

test('imap: BYE then the tagged OK of LOGOUT is the normal logout (RFC 9051 §6.1.3): no warning', () => {
  const a = new ImapAdapter();
  feedLines(a, '* OK ready\r\n');
  a.prepare('LOGOUT');
  const { events } = feedLines(a, '* BYE LOGOUT received\r\nA001 OK Completed\r\n');
  assert.deepEqual(warningsOf(events), []);
  assert.equal(repliesOf(events)[0].command, 'LOGOUT');
  // Anything after that is still worth a warning.
  assert.deepEqual(warningsOf(feedLines(a, '* 1 EXISTS\r\n').events), ['the server sent more after its BYE']);
});

test('imap: a reply holds the untagged lines since its command, literal contents and the completion', () => {
  const a = new ImapAdapter();
  feedLines(a, '* OK ready\r\n* 3 EXISTS\r\n');
  a.prepare('ENABLE CONDSTORE');
  const enabled = repliesOf(feedLines(a, '* ENABLED CONDSTORE\r\nA001 OK Completed\r\n').events)[0];
  assert.deepEqual(enabled.lines, ['* ENABLED CONDSTORE', 'A001 OK Completed']);
  assert.equal(mismatch(expect('/ENABLED/'), enabled), undefined);
  assert.equal(mismatch(expect('OK'), enabled), undefined);
  a.prepare('FETCH 1 BODY[]');
  feedLines(a, '* 1 FETCH (BODY[] {18}\r\n');
  a.receiveLiteral({ literal: Buffer.from('Subject: hi\r\n'), remaining: 5 });
  a.receiveLiteral({ literal: Buffer.from('\r\nyo\r\n'), remaining: 0 });
  a.receive({ bytes: Buffer.from(')'), ending: 'crlf', continued: true });
  const fetched = repliesOf(feedLines(a, 'A002 OK done\r\n').events)[0];
  assert.deepEqual(fetched.lines, ['* 1 FETCH (BODY[] {18}', 'Subject: hi', '', 'yo', ')', 'A002 OK done']);
  assert.equal(mismatch(expect('/^yo$/m'), fetched), undefined);
  assert.ok(mismatch(expect('/ENABLED/'), fetched), 'the lines of an earlier response are not this one');
});

test('imap: past --max-reply-lines the response is held in part, marked, and never an error', () => {
  const a = new ImapAdapter(3);
  feedLines(a, '* OK ready\r\n');
  a.prepare('FETCH 1:* FLAGS');
  const reply = repliesOf(feedLines(a, `${Array.from({ length: 10 }, (_, i) => `* ${i + 1} FETCH (FLAGS ())`).join('\r\n')}\r\nA001 OK done\r\n`).events)[0];
  assert.equal(reply.partial, true);
  assert.deepEqual(reply.lines, ['* 1 FETCH (FLAGS ())', '* 2 FETCH (FLAGS ())', '* 3 FETCH (FLAGS ())', 'A001 OK done']);
});

test('sieve: a SASL challenge sent as a literal (Cyrus timsieved) is the challenge (RFC 5804 §2.1)', () => {
  const a = new SieveAdapter();
  feedLines(a, '"IMPLEMENTATION" "Cyrus timsieved"\r\nOK\r\n');
  a.prepare('AUTHENTICATE "CRAM-MD5"');
  const challenge = '<1048505640.1083007@localhost>';
  const base64 = Buffer.from(challenge).toString('base64');
  const announced = feedLines(a, `{${base64.length}}\r\n`);
  assert.deepEqual(announced.events, []);
  assert.equal(a.awaitingInput, false, 'the challenge is still coming');
  a.receiveLiteral({ literal: Buffer.from(base64.slice(0, 10)), remaining: base64.length - 10 });
  a.receiveLiteral({ literal: Buffer.from(base64.slice(10)), remaining: 0 });
  const end = a.receive({ bytes: Buffer.alloc(0), ending: 'crlf', continued: true });
  assert.deepEqual(end.events, [{ type: 'challenge', base64 }]);
  assert.equal(end.view.annotation, challenge);
  assert.equal(a.awaitingInput, true);
  // The answer is the HMAC of the real challenge, and the outcome a reply to AUTHENTICATE.
  const answer = Buffer.from(`alice ${createHmac('md5', 'pw').update(challenge).digest('hex')}`).toString('base64');
  a.prepare(`"${answer}"`);
  assert.deepEqual(repliesOf(feedLines(a, 'OK "Authenticated"\r\n').events).map((r) => r.command), ['AUTHENTICATE']);
});

test('sieve: a quoted challenge still works', () => {
  const a = new SieveAdapter();
  feedLines(a, '"SASL" "CRAM-MD5"\r\nOK\r\n');
  a.prepare('AUTHENTICATE "CRAM-MD5"');
  const { events, views } = feedLines(a, '"PDEyMz4="\r\n');
  assert.deepEqual(events, [{ type: 'challenge', base64: 'PDEyMz4=' }]);
  assert.equal(views[0].annotation, '<123>');
});

test('lmtp: one reply per accepted recipient after DATA (RFC 2033 §4.2), in separate segments, each with its recipient', () => {
  const a = new SmtpAdapter('lmtp');
  feedLines(a, '220 localhost Cyrus LMTP server ready\r\n');
  for (const line of ['LHLO me', 'MAIL FROM:<a@b>', 'RCPT TO:<alice@x>', 'RCPT TO:<nobody@x>', 'RCPT TO:<bob@x> NOTIFY=NEVER', 'DATA']) a.prepare(line);
  feedLines(a, '250 ok\r\n250 2.1.0 ok\r\n250 2.1.5 ok\r\n550 5.1.1 no such user\r\n250 2.1.5 ok\r\n354 go ahead\r\n');
  a.prepare('hi');
  a.prepare('.');
  const first = feedLines(a, '250 2.1.5 Delivered\r\n');
  assert.deepEqual(warningsOf(first.events), []);
  assert.equal(first.views[0].annotation, 'for <alice@x>');
  assert.equal(a.pending, 1, 'the second recipient\'s reply is still due');
  a.prepare('MAIL FROM:<c@d>');
  const second = feedLines(a, '452 4.2.2 Over quota\r\n');
  assert.equal(second.views[0].annotation, 'for <bob@x>');
  const last = repliesOf(second.events)[0];
  assert.equal(last.command, '.');
  assert.deepEqual(last.group?.map((r) => `${r.recipient} ${r.status}`), ['<alice@x> 250', '<bob@x> 452']);
  // The next command gets its own reply, not a shifted one.
  assert.equal(repliesOf(feedLines(a, '250 2.1.0 ok\r\n').events)[0].command, 'MAIL');
  assert.equal(a.pending, 0);
  // /expect after DATA checks every recipient's reply.
  assert.equal(mismatch(expect('2xx'), last)?.recipient, '<bob@x>');
  assert.equal(mismatch(expect('/Delivered[^]*Over quota/'), last), undefined);
});

test('lmtp: with one accepted recipient, one reply; SMTP is unchanged', () => {
  for (const protocol of ['lmtp', 'smtp'] as const) {
    const a = new SmtpAdapter(protocol);
    feedLines(a, '220 hi\r\n');
    for (const line of ['MAIL FROM:<a@b>', 'RCPT TO:<a@x>', 'RCPT TO:<b@x>', 'DATA']) a.prepare(line);
    feedLines(a, `250 ok\r\n250 ok\r\n${protocol === 'lmtp' ? '550 no\r\n' : '250 ok\r\n'}354 go\r\n`);
    a.prepare('.');
    const done = feedLines(a, '250 queued\r\n');
    assert.equal(a.pending, 0, protocol);
    assert.equal(done.views[0].annotation, protocol === 'lmtp' ? 'for <a@x>' : undefined);
  }
});

test('a decoded challenge with control bytes is shown escaped (aiosmtpd "User Name\\0"); binary is left alone', () => {
  assert.equal(decodeChallenge('VXNlciBOYW1lAA=='), 'User Name\\x00');
  assert.equal(decodeChallenge('VXNlcm5hbWU6'), 'Username:');
  assert.equal(decodeChallenge(Buffer.from([0x60, 0x82, 0x01, 0x00, 0x06, 0x09]).toString('base64')), undefined);
});
