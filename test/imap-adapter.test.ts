import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ImapAdapter } from '../src/protocol/imap.js';
import { wireBytes, type Outgoing } from '../src/protocol/outgoing.js';

function server(a: ImapAdapter, line: string) {
  return a.receive({ bytes: Buffer.from(line), ending: 'crlf' });
}

const wire = (out: Outgoing): string => wireBytes(out).toString();
const masked = (out: Outgoing): string => out.pieces.map((p) => (p.secret ? `<${p.bytes.length}>` : p.bytes.toString())).join('');

function greeted(): ImapAdapter {
  const a = new ImapAdapter();
  server(a, '* OK [CAPABILITY IMAP4rev1 LITERAL+ AUTH=PLAIN AUTH=LOGIN] hi');
  return a;
}

test('imap: greeting capabilities, tagged completion, selected mailbox in the prompt', () => {
  const a = greeted();
  assert.deepEqual(a.capabilities.get('AUTH'), ['PLAIN', 'LOGIN']);
  assert.equal(a.pending, 0);
  assert.equal(wire(a.prepare('select INBOX').out), 'A001 select INBOX\r\n');
  assert.equal(a.pending, 1);
  server(a, '* 3 EXISTS');
  const done = server(a, 'A001 OK [READ-WRITE] done');
  assert.equal(done.view.cls, 'ok');
  assert.equal(a.promptState, 'INBOX');
  assert.equal(a.pending, 0);
  a.prepare('x9 examine "Sent Items"');
  server(a, 'x9 OK [READ-ONLY] done');
  assert.equal(a.promptState, 'Sent Items');
});

test('imap: LOGIN masks the password in every form', () => {
  const a = greeted();
  assert.equal(masked(a.prepare('login alice s3cret').out), 'A001 login alice <6>\r\n');
  assert.equal(masked(a.prepare('a LOGIN "al ice" "pa\\"ss"').out), 'a LOGIN "al ice" <8>\r\n');
  // Literal: the announcement is visible, the literal bytes are secret.
  const p = a.prepare('b login alice {6}');
  assert.equal(a.deciding, true);
  assert.equal(masked(p.out), 'b login alice {6}\r\n');
  server(a, '+ go ahead');
  assert.equal(a.promptState, '+6');
  const lit = a.prepare('s3cret');
  assert.equal(masked(lit.out), '<6>\r\n');
  assert.equal(wire(lit.out), 's3cret\r\n');
  assert.equal(a.awaitingInput, false);
  assert.equal(wire(a.prepare('c NOOP').out), 'c NOOP\r\n');
});

test('imap: typed literal is exactly the next N bytes, CRLFs included', () => {
  const a = greeted();
  a.prepare('A1 APPEND INBOX {20}');
  server(a, '+ Ready');
  assert.equal(wire(a.prepare('Subject: hi').out), 'Subject: hi\r\n'); // 13
  assert.equal(a.promptState, '+7');
  assert.equal(wire(a.prepare('').out), '\r\n'); // 15
  // "hello" is the last 5 bytes: this line's Enter ends the command.
  assert.equal(wire(a.prepare('hello').out), 'hello\r\n');
  assert.equal(a.promptState, '');
  assert.equal(a.awaitingInput, false);
  server(a, 'A1 OK appended');
  assert.equal(a.pending, 0);
});

test('imap: LITERAL+ goes on without waiting; a literal ending mid-line leaves the rest of the command', () => {
  const a = greeted();
  a.prepare('A2 LOGIN {5+}');
  assert.equal(a.deciding, false);
  assert.equal(a.promptState, '+5');
  const out = a.prepare('alice s3cret');
  assert.equal(wire(out.out), 'alice s3cret\r\n');
  // The user name stays readable, as in `LOGIN alice …`; the password after it is masked.
  assert.equal(masked(out.out), 'alice<7>\r\n');
  assert.equal(a.promptState, '');
});

test('imap: a refused literal ends the continuation', () => {
  const a = greeted();
  a.prepare('A3 APPEND nobox {10}');
  server(a, 'A3 NO [TRYCREATE] no such mailbox');
  assert.equal(a.promptState, '');
  assert.equal(wire(a.prepare('noop').out), 'A001 noop\r\n');
});

test('imap: IDLE, then DONE untagged', () => {
  const a = greeted();
  a.prepare('idle');
  assert.equal(a.deciding, true);
  server(a, '+ idling');
  assert.equal(a.deciding, false);
  assert.equal(a.promptState, 'idle');
  assert.equal(a.awaitingInput, true);
  server(a, '* 4 EXISTS');
  assert.equal(wire(a.prepare('done').out), 'done\r\n');
  server(a, 'A001 OK IDLE terminated');
  assert.equal(a.pending, 0);
});

test('imap: a continuation line after a literal is never a status', () => {
  const a = greeted();
  a.prepare('fetch 1 body[]');
  const r = a.receive({ bytes: Buffer.from('A001 OK fake'), ending: 'crlf', continued: true });
  assert.equal(r.events.length, 0);
  assert.equal(a.pending, 1);
});
