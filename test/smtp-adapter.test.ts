import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AdapterEvent, Reply } from '../src/protocol/adapter.js';
import { wireBytes } from '../src/protocol/outgoing.js';
import { SmtpAdapter } from '../src/protocol/smtp.js';
import { parseSmtpReplyLine } from '../src/protocol/smtp-reply.js';
import { randomText, seededRandom } from './support/random.js';

function feed(a: SmtpAdapter, text: string): AdapterEvent[] {
  return text
    .split('\r\n')
    .filter(Boolean)
    .flatMap((l) => a.receive({ bytes: Buffer.from(l), ending: 'crlf' }).events);
}

const replies = (events: AdapterEvent[]): Reply[] => events.flatMap((e) => (e.type === 'reply' ? [e.reply] : []));

test('smtp: reply line parsing', () => {
  assert.deepEqual(parseSmtpReplyLine('250-PIPELINING'), { code: '250', more: true, text: 'PIPELINING' });
  assert.deepEqual(parseSmtpReplyLine('250 ok'), { code: '250', more: false, text: 'ok' });
  assert.deepEqual(parseSmtpReplyLine('250'), { code: '250', more: false, text: '' });
  assert.equal(parseSmtpReplyLine('hello'), undefined);
  assert.equal(parseSmtpReplyLine('600 x'), undefined);
  // Against RFC 5321 §4.2's grammar written as a regex: code, then SP, "-" or the end.
  const grammar = /^([2-5][0-9][0-9])([ -]|$)(.*)$/s;
  const random = seededRandom(11);
  for (let i = 0; i < 2000; i++) {
    const line = randomText(random, '012345679 -x\t', 7);
    const m = grammar.exec(line);
    assert.deepEqual(parseSmtpReplyLine(line), m ? { code: m[1], more: m[2] === '-', text: m[3] } : undefined, JSON.stringify(line));
  }
});

test('smtp: multi-line replies are grouped and matched to commands in order', () => {
  const a = new SmtpAdapter();
  assert.equal(a.pending, 1);
  assert.equal(replies(feed(a, '220 hi\r\n'))[0].command, '<greeting>');
  a.prepare('EHLO me');
  a.prepare('MAIL FROM:<a@b>');
  assert.equal(a.pending, 2);
  const r = replies(feed(a, '250-mx\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 AUTH PLAIN LOGIN\r\n250 2.1.0 ok\r\n'));
  assert.deepEqual(r.map((x) => [x.command, x.status, x.lines.length]), [
    ['EHLO', '250', 4],
    ['MAIL', '250', 1],
  ]);
  assert.deepEqual(a.capabilities.get('AUTH'), ['PLAIN', 'LOGIN']);
  assert.deepEqual(a.capabilities.get('SIZE'), ['1000']);
  assert.ok(a.capabilities.has('PIPELINING'));
  assert.equal(a.pending, 0);
});

test('smtp: DATA mode dot-stuffs and ends with "."', () => {
  const a = new SmtpAdapter();
  feed(a, '220 hi\r\n');
  a.prepare('DATA');
  assert.equal(a.deciding, true);
  feed(a, '354 go\r\n');
  assert.equal(a.deciding, false);
  assert.equal(a.promptState, 'data');
  assert.equal(a.metaAllowed, false);
  assert.equal(wireBytes(a.prepare('.hidden').out).toString(), '..hidden\r\n');
  assert.equal(wireBytes(a.prepare('/help').out).toString(), '/help\r\n');
  assert.equal(wireBytes(a.prepare('.').out).toString(), '.\r\n');
  assert.equal(a.promptState, '');
  assert.equal(replies(feed(a, '250 queued\r\n'))[0].command, '.');
});

test('smtp: AUTH initial response and 334 responses are secrets', () => {
  const a = new SmtpAdapter();
  feed(a, '220 hi\r\n');
  const ir = a.prepare('AUTH PLAIN AGFsaWNlAHBhc3M=').out;
  assert.deepEqual(ir.pieces.map((p) => [p.bytes.toString(), p.secret]), [
    ['AUTH PLAIN ', false],
    ['AGFsaWNlAHBhc3M=', true],
    ['\r\n', false],
  ]);
  feed(a, '235 ok\r\n');
  a.prepare('AUTH LOGIN');
  const view = a.receive({ bytes: Buffer.from('334 VXNlcm5hbWU6'), ending: 'crlf' }).view;
  assert.equal(view.annotation, 'Username:');
  assert.equal(a.promptState, 'auth');
  assert.equal(a.awaitingInput, true);
  const user = a.prepare('YWxpY2U=').out;
  assert.equal(user.pieces[0].secret, true);
  assert.equal(a.promptState, '');
});

test('smtp: STARTTLS 220 asks for the upgrade and TLS drops capabilities', () => {
  const a = new SmtpAdapter();
  feed(a, '220 hi\r\n');
  a.prepare('EHLO x');
  feed(a, '250-x\r\n250 STARTTLS\r\n');
  a.prepare('STARTTLS');
  assert.ok(feed(a, '220 go ahead\r\n').some((e) => e.type === 'starttls'));
  const notes = a.tlsStarted();
  assert.equal(a.capabilities.size, 0);
  assert.match(JSON.stringify(notes), /EHLO again/);
});

test('smtp: a line without a reply code is a violation that still completes', () => {
  const a = new SmtpAdapter();
  const events = feed(a, 'garbage\r\n');
  assert.ok(events.some((e) => e.type === 'notice'));
  assert.equal(a.pending, 0);
});

test('smtp: /send message data is prepared by the adapter, through DATA or as BDAT chunks', () => {
  const a = new SmtpAdapter();
  feed(a, '220 hi\r\n');
  a.prepare('EHLO me');
  feed(a, '250 x\r\n');
  assert.equal(a.messageData.chunking, false);
  assert.throws(() => a.prepareData(Buffer.from('x'), true, a.messageEncoder()), /outside DATA/);
  a.prepare('DATA');
  feed(a, '354 go\r\n');
  assert.equal(a.messageData.inData, true);
  const encoder = a.messageEncoder();
  const body = a.prepareData(encoder.push(Buffer.from('.dot\nline')), true, encoder);
  assert.equal(body.command, undefined);
  assert.equal(wireBytes(body.data).toString(), '..dot\r\nline\r\n.\r\n');
  assert.equal(a.messageData.atCommand, true);
  assert.equal(replies(feed(a, '250 queued\r\n'))[0].command, '.');

  a.prepare('EHLO me');
  feed(a, '250-x\r\n250 CHUNKING\r\n');
  const chunked = a.messageEncoder();
  const first = a.prepareData(chunked.push(Buffer.from('.a\n')), false, chunked);
  assert.equal(wireBytes(first.command!).toString(), 'BDAT 4\r\n');
  assert.equal(wireBytes(first.data).toString(), '.a\r\n');
  const last = a.prepareData(chunked.push(Buffer.from('b')), true, chunked);
  assert.equal(wireBytes(last.command!).toString(), 'BDAT 3 LAST\r\n');
  assert.equal(a.pending, 2);
  assert.equal(a.deciding, true);
  feed(a, '250 one\r\n250 all\r\n');
  assert.equal(a.pending, 0);
});
