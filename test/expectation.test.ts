import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Reply } from '../src/protocol/adapter.js';
import { parseExpectation, replyMatches } from '../src/protocol/expectation.js';

const smtp550: Reply = { status: '550', cls: 'fail', lines: ['5.1.1 <x@y>: User unknown'], command: 'RCPT' };
const smtp250: Reply = { status: '250', cls: 'ok', lines: ['mx.test', 'PIPELINING', 'SIZE 1000'], command: 'EHLO' };
const imapNo: Reply = { status: 'NO', cls: 'fail', lines: ['A002 NO [NONEXISTENT] Mailbox does not exist'], command: 'SELECT' };
const popOk: Reply = { status: '+OK', cls: 'ok', lines: ['+OK Logged in.'], command: 'PASS' };

test('/expect: every form against SMTP, IMAP and POP3 replies', () => {
  const table: [string, Reply, boolean][] = [
    ['550', smtp550, true], ['5', smtp550, true], ['5xx', smtp550, true], ['55x', smtp550, true],
    ['4xx', smtp550, false], ['250', smtp550, false], ['2', smtp250, true], ['25', smtp250, true],
    ['5.1.1', smtp550, true], ['5.7.1', smtp550, false],
    ['/User unknown/', smtp550, true], ['/^550 5\\.1\\.1/', smtp550, true], ['/^250 SIZE/m', smtp250, true],
    ['/pipelining/i', smtp250, true], ['/pipelining/', smtp250, false],
    ['NO', imapNo, true], ['no', imapNo, true], ['OK', imapNo, false], ['/NONEXISTENT/', imapNo, true], ['5xx', imapNo, false],
    ['+OK', popOk, true], ['-ERR', popOk, false], ['OK', popOk, false],
  ];
  for (const [spec, reply, expected] of table) {
    const e = parseExpectation(spec);
    assert.ok(e, `${spec} parses`);
    assert.equal(replyMatches(e, reply), expected, `/expect ${spec} against ${reply.lines.at(-1)}`);
  }
});

test('/expect: a g flag keeps no state between checks; bad forms are refused', () => {
  const e = parseExpectation('/User/g')!;
  assert.ok(replyMatches(e, smtp550));
  assert.ok(replyMatches(e, smtp550));
  for (const bad of ['', '6xx', '2500', 'MAYBE', '/(/', '1']) assert.equal(parseExpectation(bad), undefined, bad);
});
