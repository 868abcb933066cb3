import assert from 'node:assert/strict';
import { test } from 'node:test';
import { feedLines, repliesOf } from './support/adapter-feed.js';
import { wireBytes, type Outgoing } from '../src/protocol/outgoing.js';
import { SieveAdapter, sieveResponseCode } from '../src/protocol/sieve.js';

const feed = feedLines;
const replies = repliesOf;
const wire = (out: Outgoing): string => wireBytes(out).toString();
const masked = (out: Outgoing): string => out.pieces.map((p) => (p.secret ? `<${p.bytes.length}>` : p.bytes.toString())).join('');

function greeted(): SieveAdapter {
  const a = new SieveAdapter();
  feed(a, '"IMPLEMENTATION" "Dovecot Pigeonhole"\r\n"SASL" "PLAIN LOGIN"\r\n"STARTTLS"\r\nOK "ready"\r\n');
  return a;
}

test('sieve: greeting capabilities, OK completes the response', () => {
  const a = greeted();
  assert.equal(a.pending, 0);
  assert.deepEqual(a.capabilities.get('SASL'), ['PLAIN', 'LOGIN']);
  a.prepare('LISTSCRIPTS');
  const { events } = feed(a, '"main" ACTIVE\r\n"old"\r\nOK "Listscripts completed."\r\n');
  const [r] = replies(events);
  assert.deepEqual([r.command, r.status, r.lines.length], ['LISTSCRIPTS', 'OK', 3]);
  assert.deepEqual([...a.capabilities.keys()], ['IMPLEMENTATION', 'SASL', 'STARTTLS'], 'script names are not capabilities');
  a.prepare('CAPABILITY');
  feed(a, '"IMPLEMENTATION" "x"\r\n"SIEVE" "fileinto"\r\nOK\r\n');
  assert.deepEqual([...a.capabilities.keys()], ['IMPLEMENTATION', 'SIEVE']);
});

test('sieve: a typed PUTSCRIPT {N+} literal spans lines, then the command ends', () => {
  const a = greeted();
  const script = 'keep;\r\nstop;';
  const head = a.prepare(`PUTSCRIPT "x" {${Buffer.byteLength(script)}+}`);
  assert.equal(a.deciding, false);
  assert.equal(wire(head.out), `PUTSCRIPT "x" {${Buffer.byteLength(script)}+}\r\n`);
  assert.equal(a.awaitingInput, true, 'a script must not wait for a reply inside the literal');
  assert.equal(a.promptState, `+${Buffer.byteLength(script)}`);
  assert.equal(wire(a.prepare('keep;').out), 'keep;\r\n');
  assert.equal(a.literalRemaining, 5);
  // The last literal line's Enter is the CRLF that ends the command.
  assert.equal(wire(a.prepare('stop;').out), 'stop;\r\n');
  assert.equal(a.awaitingInput, false);
  assert.equal(a.pending, 1);
  const { events } = feed(a, 'OK "Putscript completed."\r\n');
  assert.equal(replies(events)[0].command, 'PUTSCRIPT');
});

test('sieve: a literal that ends exactly with a line leaves the next line as the rest of the command', () => {
  const a = greeted();
  a.prepare('CHECKSCRIPT {7+}');
  a.prepare('keep;');
  assert.equal(a.promptState, '+');
  assert.equal(wire(a.prepare('').out), '\r\n');
  assert.equal(a.awaitingInput, false);
});

test('sieve: /putscript counts streamed literal bytes', () => {
  const a = greeted();
  a.prepare('PUTSCRIPT "y" {10+}');
  assert.equal(wire(a.prepareLiteral(Buffer.from('keep'), false)), 'keep');
  assert.equal(a.literalRemaining, 6);
  assert.throws(() => a.prepareLiteral(Buffer.alloc(7), false));
  assert.equal(masked(a.prepareLiteral(Buffer.from(';\r\nok.'), true)), '<6>');
  assert.equal(a.literalRemaining, undefined);
  assert.equal(wire(a.prepare('').out), '\r\n');
});

test('sieve: an AUTHENTICATE literal is a secret', () => {
  const a = greeted();
  assert.equal(wire(a.prepare('AUTHENTICATE "PLAIN" {12+}').out), 'AUTHENTICATE "PLAIN" {12+}\r\n');
  assert.equal(masked(a.prepare('AGFsaWNlAHg=').out), '<12>\r\n');
});

test('sieve: response codes are parsed and highlighted; NO and BYE fail', () => {
  assert.equal(sieveResponseCode('NO (QUOTA/MAXSIZE) "Script too big"'), 'QUOTA/MAXSIZE');
  assert.equal(sieveResponseCode('OK (WARNINGS) "line 2: hmm"'), 'WARNINGS');
  assert.equal(sieveResponseCode('BYE (REFERRAL "sieve://other") "go"'), 'REFERRAL');
  assert.equal(sieveResponseCode('NO "plain"'), undefined);
  const a = greeted();
  a.prepare('GETSCRIPT "none"');
  const { views, events } = feed(a, 'NO (NONEXISTENT) "Script does not exist."\r\n');
  assert.equal(views[0].alert, true);
  assert.equal(replies(events)[0].cls, 'fail');
});

test('sieve: a GETSCRIPT literal line after the script is not a response', () => {
  const a = greeted();
  a.prepare('GETSCRIPT "main"');
  feed(a, '{16}\r\n');
  // The line reader passes the 16 bytes as a literal; the rest of the line follows.
  a.receiveLiteral({ literal: Buffer.from('keep;\r\nOK "x"\r\n'), remaining: 0 });
  assert.deepEqual(a.receive({ bytes: Buffer.alloc(0), ending: 'crlf', continued: true }).events, []);
  const { events } = feed(a, 'OK "Getscript completed."\r\n');
  // Issue 17: the script is part of the response `/expect /regex/` sees.
  assert.deepEqual(replies(events)[0].lines, ['{16}', 'keep;', 'OK "x"', 'OK "Getscript completed."']);
});
