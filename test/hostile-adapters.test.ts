/**
 * Hostile server lines fed straight to the pure adapters: limits hold,
 * unexpected lines warn without changing what the next typed line is.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProtocolError } from '../src/errors.js';
import type { AdapterEvent, ProtocolAdapter } from '../src/protocol/adapter.js';
import { createAdapter } from '../src/protocol/detect.js';
import { hasSecret } from '../src/protocol/outgoing.js';
import { warningsOf } from './support/adapter-feed.js';

function feed(a: ProtocolAdapter, ...lines: string[]): AdapterEvent[] {
  return lines.flatMap((l) => a.receive({ bytes: Buffer.from(l), ending: 'crlf' }).events);
}

test('endless continuation lines stop at the reply-line limit with REPLY_TOO_LONG', () => {
  const cases: [name: Parameters<typeof createAdapter>[0], greeting: string, command: string, line: string][] = [
    ['smtp', '220 hi', 'EHLO x', '250-more'],
    ['pop3', '+OK hi', 'CAPA', 'TOP'],
    ['sieve', 'OK hi', 'LISTSCRIPTS', '"script"'],
  ];
  for (const [protocol, greeting, command, line] of cases) {
    const a = createAdapter(protocol, 50);
    feed(a, greeting);
    a.prepare(command);
    if (protocol === 'pop3') feed(a, '+OK capabilities follow');
    const lines = Array.from({ length: 49 }, () => line);
    feed(a, ...lines);
    assert.throws(
      () => feed(a, line, line),
      (err: unknown) => err instanceof ProtocolError && err.code === 'REPLY_TOO_LONG' && /more than 50 lines \(--max-reply-lines/.test(err.message),
      protocol,
    );
  }
});

test('pop3: a RETR body of any length streams past without counting against the limit', () => {
  const a = createAdapter('pop3', 10);
  feed(a, '+OK hi');
  a.prepare('RETR 1');
  const body = Array.from({ length: 1000 }, (_, i) => `line ${i}`);
  const events = feed(a, '+OK message follows', ...body, '.');
  const reply = events.find((e) => e.type === 'reply');
  assert.ok(reply && reply.type === 'reply');
  assert.deepEqual(reply.reply.lines, ['+OK message follows']);
  assert.equal(a.pending, 0);
});

test('pop3: a "+" with no AUTH under way warns and does not make the next line a secret', () => {
  const a = createAdapter('pop3');
  feed(a, '+OK hi');
  a.prepare('NOOP');
  assert.deepEqual(warningsOf(feed(a, '+ dGVzdA==')), ['the server sent a continuation (+) while no AUTH is under way']);
  assert.equal(a.pending, 1, 'NOOP still waits for its reply');
  feed(a, '+OK');
  assert.equal(a.pending, 0);
  assert.equal(hasSecret(a.prepare('LIST').out), false);
  assert.equal(a.promptState, '');
});

test('a reply nobody asked for warns (SMTP, POP3)', () => {
  for (const [protocol, greeting, reply] of [['smtp', '220 hi', '250 surprise'], ['pop3', '+OK hi', '+OK surprise']] as const) {
    const a = createAdapter(protocol);
    feed(a, greeting);
    assert.deepEqual(warningsOf(feed(a, reply)), ['the server sent a reply while no command was waiting for one'], protocol);
  }
});

test('imap: "+" with nothing pending, tags not in flight, and lines after BYE warn', () => {
  const a = createAdapter('imap', 3);
  feed(a, '* OK hi');
  assert.deepEqual(warningsOf(feed(a, '+ go ahead')), ['the server sent a continuation (+) while nothing was waiting for one']);
  assert.equal(a.promptState, '');
  assert.deepEqual(warningsOf(feed(a, 'Z999 OK done')), ['response for a tag that is not in flight']);
  a.prepare('LOGOUT');
  assert.deepEqual(warningsOf(feed(a, '* BYE bye', 'A001 OK done', '* 1 EXISTS')), ['the server sent more after its BYE']);
});

test('imap: LIST names kept for completion stay bounded', () => {
  const a = createAdapter('imap', 3);
  feed(a, '* OK hi');
  a.prepare('LIST "" *');
  feed(a, ...Array.from({ length: 10 }, (_, i) => `* LIST () "/" box${i}`), 'A001 OK done');
  assert.equal(a.completionWords(['SELECT']).filter((w) => w.startsWith('box')).length, 3);
});
