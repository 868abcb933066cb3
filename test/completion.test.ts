import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ImapAdapter } from '../src/protocol/imap.js';
import { SmtpAdapter } from '../src/protocol/smtp.js';
import { complete } from '../src/repl/completion.js';
import { createAdapter } from '../src/protocol/detect.js';

/** An IMAP session after a greeting and a LIST answered with `listed`. */
function imapWith(greeting: string, listed: string[]): ImapAdapter {
  const a = new ImapAdapter();
  const feed = (l: string): void => void a.receive({ bytes: Buffer.from(l), ending: 'crlf' });
  feed(greeting);
  a.prepare('list "" *');
  listed.forEach(feed);
  feed('A001 OK done');
  return a;
}

function imap(): ImapAdapter {
  return imapWith('* OK [CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN] hi', ['* LIST (\\HasNoChildren) "." INBOX', '* LIST (\\HasNoChildren) "." "Sent Items"', '* LIST () "/" Archive/2026']);
}

test('completion: command words in the case typed, after a tag too', () => {
  const a = imap();
  assert.deepEqual(complete('sel', a), [['select'], 'sel']);
  assert.deepEqual(complete('SEL', a), [['SELECT'], 'SEL']);
  assert.deepEqual(complete('a sel', a), [['select'], 'sel']);
  assert.ok(complete('UID', a)[0].includes('UID'));
});

test('completion: mailbox names seen in LIST, quoted when needed, case kept', () => {
  const a = imap();
  assert.deepEqual(a.mailboxes, new Set(['INBOX', 'Sent Items', 'Archive/2026']));
  assert.deepEqual(complete('select in', a)[0], ['INBOX']);
  assert.deepEqual(complete('select "S', a)[0], ['"Sent Items"']);
  assert.deepEqual(complete('a examine Ar', a)[0], ['Archive/2026']);
  assert.ok(complete('enable ID', a)[0].includes('IDLE'));
});

test('completion: meta commands; nothing inside SMTP DATA', () => {
  const s = new SmtpAdapter();
  s.receive({ bytes: Buffer.from('220 hi'), ending: 'crlf' });
  assert.deepEqual(complete('/he', s)[0], ['/help']);
  assert.deepEqual(complete('rc', s)[0], ['rcpt to:']);
  s.prepare('DATA');
  s.receive({ bytes: Buffer.from('354 go'), ending: 'crlf' });
  assert.deepEqual(complete('Sub', s)[0], []);
  assert.deepEqual(complete('/he', s)[0], []);
});

test('completion: names and capabilities with control characters from a hostile server are never offered', () => {
  const a = imapWith('* OK [CAPABILITY IMAP4rev1 X-\x1b]0;owned\x07] hi', ['* LIST () "/" "Evil\x1b[2J"', '* LIST () "/" Even']);
  assert.deepEqual(complete('select Ev', a)[0], ['Even']);
  assert.deepEqual(complete('enable X-', a)[0], []);
});

/** SMTP after an EHLO that announced AUTH and a SIZE value. */
function smtpAfterEhlo(): SmtpAdapter {
  const s = new SmtpAdapter();
  const feed = (l: string): void => void s.receive({ bytes: Buffer.from(l), ending: 'crlf' });
  feed('220 hi');
  s.prepare('EHLO me');
  ['250-hi', '250-SIZE 10240000', '250-PIPELINING', '250 AUTH PLAIN LOGIN'].forEach(feed);
  return s;
}

test('completion: AUTH and /auth offer the mechanisms the server announced, nothing else (issue 16 §5)', () => {
  const s = smtpAfterEhlo();
  assert.deepEqual(complete('AUTH ', s)[0], ['PLAIN', 'LOGIN']);
  assert.deepEqual(complete('auth p', s)[0], ['PLAIN']);
  // `/auth` offers what mailsh can run of what was announced.
  assert.deepEqual(complete('/auth ', s)[0], ['PLAIN', 'LOGIN']);
  assert.deepEqual(complete('/auth ', imap())[0], ['PLAIN']);
  assert.deepEqual(complete('a authenticate ', imap())[0], ['PLAIN']);
  // Before any EHLO: every mechanism /auth can run.
  const fresh = new SmtpAdapter();
  assert.ok(complete('/auth ', fresh)[0].includes('SCRAM-SHA-256'));
  assert.deepEqual(complete('MAIL FROM:<a@b> ', s)[0], []);
});

test('completion: FETCH items after FETCH <set>, mailbox names only where a mailbox goes (issue 16 §5)', () => {
  const a = imapWith('* OK [CAPABILITY IMAP4rev1 APPENDLIMIT=35651584 AUTH=PLAIN] hi', ['* LIST () "." INBOX', '* LIST () "." "Sent Items"']);
  const items = complete('fetch 1 ', a)[0];
  assert.ok(items.includes('FLAGS') && items.includes('BODY.PEEK['), items.join(' '));
  assert.ok(!items.includes('INBOX') && !items.includes('35651584') && !items.includes('PLAIN'));
  assert.deepEqual(complete('a uid fetch 1:* (fl', a)[0], ['(FLAGS']);
  assert.deepEqual(complete('fetch ', a)[0], [], 'the set comes first');
  for (const cmd of ['select', 'examine', 'status', 'list ""', 'delete', 'rename', 'a rename INBOX', 'copy 1:3']) {
    assert.deepEqual(complete(`${cmd} `, a)[0], ['INBOX', '"Sent Items"'], cmd);
  }
  assert.deepEqual(complete('a login ', a)[0], []);
  assert.deepEqual(complete('enable APP', a)[0], ['APPENDLIMIT=35651584']);
});

test('completion: POP3 AUTH and ManageSieve AUTHENTICATE offer the announced SASL mechanisms', () => {
  const p = createAdapter('pop3');
  const feedP = (l: string): void => void p.receive({ bytes: Buffer.from(l), ending: 'crlf' });
  feedP('+OK hi');
  p.prepare('CAPA');
  ['+OK caps', 'SASL PLAIN SCRAM-SHA-1', 'UIDL', '.'].forEach(feedP);
  assert.deepEqual(complete('auth ', p)[0], ['PLAIN', 'SCRAM-SHA-1']);
  const v = createAdapter('sieve');
  ['"IMPLEMENTATION" "x"', '"SASL" "PLAIN"', 'OK ready'].forEach((l) => v.receive({ bytes: Buffer.from(l), ending: 'crlf' }));
  assert.deepEqual(complete('AUTHENTICATE ', v)[0], ['"PLAIN"']);
});
