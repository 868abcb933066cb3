import assert from 'node:assert/strict';
import { test } from 'node:test';
import { feedLines, repliesOf } from './support/adapter-feed.js';
import { Pop3Adapter, pop3RespCode } from '../src/protocol/pop3.js';

const feed = feedLines;
const replies = repliesOf;

test('pop3: RETR is read to the lone ".", shown un-dot-stuffed, pending until then', () => {
  const a = new Pop3Adapter();
  feed(a, '+OK ready\r\n');
  a.prepare('RETR 1');
  assert.equal(a.pending, 1);
  const first = feed(a, '+OK 30 octets\r\nSubject: x\r\n\r\n..hidden dot\r\n');
  assert.equal(replies(first.events).length, 0);
  assert.equal(a.pending, 1, 'a script must keep waiting inside the body');
  assert.equal(first.views[3].shown?.toString(), '.hidden dot');
  assert.equal(first.views[1].shown, undefined);
  const end = feed(a, '.\r\n');
  const [reply] = replies(end.events);
  // Only the status line is kept: a message body is shown as it streams, never held (bounded memory).
  assert.deepEqual(reply.lines, ['+OK 30 octets']);
  assert.equal(reply.command, 'RETR');
  assert.equal(a.pending, 0);
});

test('pop3: which commands are multi-line (RFC 1939, 2449)', () => {
  const cases: [string, boolean][] = [
    ['LIST', true], ['LIST 1', false], ['UIDL', true], ['UIDL 2', false], ['CAPA', true],
    ['TOP 1 0', true], ['RETR 1', true], ['STAT', false], ['DELE 1', false], ['NOOP', false], ['AUTH', true],
  ];
  for (const [command, multi] of cases) {
    const a = new Pop3Adapter();
    feed(a, '+OK hi\r\n');
    a.prepare(command);
    const r = feed(a, '+OK x\r\n');
    assert.equal(a.pending, multi ? 1 : 0, command);
    assert.equal(replies(r.events).length, multi ? 0 : 1, command);
  }
});

test('pop3: -ERR to a multi-line command is a single line', () => {
  const a = new Pop3Adapter();
  feed(a, '+OK hi\r\n');
  a.prepare('RETR 9');
  const { events } = feed(a, '-ERR no such message\r\n');
  assert.equal(replies(events)[0].cls, 'fail');
  assert.equal(a.pending, 0);
});

test('pop3: CAPA teaches capabilities; STLS +OK asks for the upgrade', () => {
  const a = new Pop3Adapter();
  feed(a, '+OK hi\r\n');
  a.prepare('CAPA');
  feed(a, '+OK\r\nSTLS\r\nSASL PLAIN LOGIN\r\nUSER\r\n.\r\n');
  assert.deepEqual(a.capabilities.get('SASL'), ['PLAIN', 'LOGIN']);
  assert.ok(a.capabilities.has('STLS'));
  a.prepare('STLS');
  assert.equal(a.deciding, true);
  const { events } = feed(a, '+OK Begin TLS negotiation now.\r\n');
  assert.ok(events.some((e) => e.type === 'starttls'));
  a.tlsStarted();
  assert.equal(a.capabilities.size, 0);
});

test('pop3: RESP-CODES are parsed and highlighted (RFC 2449 §8)', () => {
  assert.equal(pop3RespCode('-ERR [IN-USE] mailbox locked'), 'IN-USE');
  assert.equal(pop3RespCode('-ERR [SYS/TEMP] try later'), 'SYS/TEMP');
  assert.equal(pop3RespCode('+OK [auth] hmm'), 'AUTH');
  assert.equal(pop3RespCode('-ERR no code'), undefined);
  assert.equal(pop3RespCode('-ERR  [AUTH] not at the start'), undefined);
  const a = new Pop3Adapter();
  feed(a, '+OK hi\r\n');
  a.prepare('PASS x');
  const { views } = feed(a, '-ERR [AUTH] Authentication failed.\r\n');
  assert.equal(views[0].alert, true);
  assert.equal(views[0].cls, 'fail');
});
