import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ImapAdapter } from '../src/protocol/imap.js';
import { SmtpAdapter } from '../src/protocol/smtp.js';
import { complete } from '../src/repl/completion.js';

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
