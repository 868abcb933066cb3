/**
 * What mailsh keeps from server input is bounded by bytes, not only by count
 * (issue 21 item 8): 400 LIST names of 1 MB added 490 MB, 400 ManageSieve
 * capability lines of 1 MB reached 871 MB.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ImapAdapter } from '../src/protocol/imap.js';
import { MAX_KEPT_BYTES } from '../src/protocol/kept-words.js';
import { Pop3Adapter } from '../src/protocol/pop3.js';
import { SieveAdapter } from '../src/protocol/sieve.js';
import { SmtpAdapter } from '../src/protocol/smtp.js';
import type { ProtocolAdapter } from '../src/protocol/adapter.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap bytes still in use after the garbage collector ran. */
function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const MB = 1024 * 1024;
/** One server line of about 1 MB, distinct each time (V8 would share equal strings otherwise). */
const big = (i: number, prefix: string): string => `${prefix}${String(i).padStart(6, '0')}${'x'.repeat(MB)}`;

function feed(a: ProtocolAdapter, line: string): void {
  a.receive({ bytes: Buffer.from(line, 'latin1'), ending: 'crlf', text: line });
}

/** Heap growth from feeding `lines` to a fresh adapter, the adapter kept alive. */
function growth(make: () => ProtocolAdapter, lines: (i: number) => string, count: number, before: string[], afterLines: string[]): number {
  const a = make();
  before.forEach((l) => feed(a, l));
  const start = heapUsed();
  for (let i = 0; i < count; i++) feed(a, lines(i));
  afterLines.forEach((l) => feed(a, l));
  const grown = heapUsed() - start;
  // The adapter must still be alive for its memory to count.
  assert.ok(a.completionWords(['x']).length >= 0);
  return grown;
}

const LIMIT = 16 * MB;

test('IMAP: 100 LIST names of 1 MB keep well under 16 MB for completion', () => {
  const imap = (): ImapAdapter => {
    const a = new ImapAdapter();
    a.prepare('a1 LIST "" *');
    return a;
  };
  const grown = growth(imap, (i) => `* LIST () "/" ${big(i, 'box')}`, 100, ['* OK hi'], ['a1 OK done']);
  assert.ok(grown < LIMIT, `grew ${(grown / MB).toFixed(1)} MB`);
});

test('IMAP: a CAPABILITY line of 1 MB words keeps a bounded set', () => {
  const a = new ImapAdapter();
  feed(a, '* OK hi');
  const words = Array.from({ length: 2000 }, (_, i) => `X-${i}-${'y'.repeat(600)}`).join(' ');
  feed(a, `* CAPABILITY IMAP4rev1 ${words}`);
  const kept = [...a.capabilities.keys()].join('').length;
  assert.ok(kept <= MAX_KEPT_BYTES, `${kept} bytes kept`);
  assert.ok(a.capabilities.has('IMAP4REV1'));
});

test('ManageSieve: 100 capability lines of 1 MB keep well under 16 MB', () => {
  const grown = growth(() => new SieveAdapter(), (i) => `"${big(i, 'CAP')}" "${big(i, 'value ')}"`, 100, [], ['OK "ready"']);
  assert.ok(grown < LIMIT, `grew ${(grown / MB).toFixed(1)} MB`);
});

test('SMTP and POP3: capability replies of long lines keep a bounded set', () => {
  const smtp = new SmtpAdapter();
  feed(smtp, '220 hi');
  smtp.prepare('EHLO me');
  for (let i = 0; i < 2000; i++) feed(smtp, `250-X${i} ${'v'.repeat(3000)}`);
  feed(smtp, '250 OK');
  const pop3 = new Pop3Adapter();
  feed(pop3, '+OK hi');
  pop3.prepare('CAPA');
  feed(pop3, '+OK caps');
  for (let i = 0; i < 2000; i++) feed(pop3, `X${i} ${'v'.repeat(3000)}`);
  feed(pop3, '.');
  for (const a of [smtp, pop3]) {
    const kept = [...a.capabilities].reduce((n, [k, vs]) => n + k.length + vs.join('').length, 0);
    assert.ok(kept > 0 && kept <= MAX_KEPT_BYTES, `${a.protocol}: ${kept} bytes kept`);
  }
});
