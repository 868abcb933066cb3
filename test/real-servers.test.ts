/**
 * Smoke test of the real Postfix/Dovecot harness, spoken to with bare
 * net/tls sockets so that it does not depend on mailsh itself.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test, type TestContext } from 'node:test';
import { Dialog } from './support/dialog.js';
import { realServersUnavailable, startRealServers, type RealServers } from './support/real-servers.js';

/** The last line of an SMTP reply: "ddd text" (RFC 5321 §4.2). */
const SMTP_REPLY = /^\d{3} [^\r\n]*\r\n/m;

async function smtp(dialog: Dialog, line: string): Promise<string> {
  dialog.send(line);
  return dialog.expect(SMTP_REPLY);
}

const unavailable = realServersUnavailable();
let servers: RealServers | undefined;
let ca = '';

before(async () => {
  if (unavailable) return;
  servers = await startRealServers();
  ca = readFileSync(servers.caFile, 'utf8');
}, { timeout: 20_000 });

after(async () => {
  await servers?.stop();
});

/** The running servers, or undefined after marking the test skipped. */
function need(t: TestContext): RealServers | undefined {
  if (unavailable) {
    t.skip(`skipped: ${unavailable}`);
    return undefined;
  }
  assert.ok(servers, 'servers did not start');
  return servers;
}

test('postfix plain port greets with 220', async (t) => {
  const s = need(t);
  if (!s) return;
  const d = await Dialog.open(s.smtpPort);
  try {
    assert.match(await d.expect(SMTP_REPLY), /^220 /);
  } finally {
    d.close();
  }
});

test('postfix refuses to relay to a foreign domain', async (t) => {
  const s = need(t);
  if (!s) return;
  const d = await Dialog.open(s.smtpPort);
  try {
    await d.expect(SMTP_REPLY);
    assert.match(await smtp(d, 'EHLO client.example.org'), /^250 /m);
    assert.match(await smtp(d, 'MAIL FROM:<a@example.org>'), /^250 /);
    assert.match(await smtp(d, 'RCPT TO:<x@example.com>'), /^554 5\.7\.1 <x@example\.com>: Relay access denied/);
  } finally {
    d.close();
  }
});

test('submission offers STARTTLS, then AUTH PLAIN LOGIN inside TLS', async (t) => {
  const s = need(t);
  if (!s) return;
  const d = await Dialog.open(s.submissionPort);
  try {
    await d.expect(SMTP_REPLY);
    const plainEhlo = await smtp(d, 'EHLO client.example.org');
    assert.match(plainEhlo, /^250[- ]STARTTLS\r$/m);
    assert.doesNotMatch(plainEhlo, /AUTH/, 'AUTH must wait for TLS (smtpd_tls_auth_only)');
    assert.match(await smtp(d, 'STARTTLS'), /^220 /);
    await d.startTls(ca);
    const tlsEhlo = await smtp(d, 'EHLO client.example.org');
    assert.match(tlsEhlo, /^250[- ]AUTH .*\bPLAIN\b/m);
    assert.match(tlsEhlo, /^250[- ]AUTH .*\bLOGIN\b/m);
    assert.doesNotMatch(tlsEhlo, /STARTTLS/);
  } finally {
    d.close();
  }
});

test('mail to alice on the plain port lands in her Maildir', async (t) => {
  const s = need(t);
  if (!s) return;
  const alice = s.users.find((u) => u.name === 'alice');
  assert.ok(alice);
  const token = `smoke-${process.pid}-${Date.now()}`;
  const d = await Dialog.open(s.smtpPort);
  try {
    await d.expect(SMTP_REPLY);
    await smtp(d, 'EHLO client.example.org');
    assert.match(await smtp(d, 'MAIL FROM:<sender@example.org>'), /^250 /);
    assert.match(await smtp(d, `RCPT TO:<${alice.address}>`), /^250 /);
    assert.match(await smtp(d, 'DATA'), /^354 /);
    d.send(`From: <sender@example.org>\r\nTo: <${alice.address}>\r\nSubject: ${token}\r\n\r\nhello\r\n.`);
    assert.match(await d.expect(SMTP_REPLY), /^250 /);
    await smtp(d, 'QUIT');
  } finally {
    d.close();
  }
  const raw = await s.waitForMessage('alice', (m) => m.includes(token));
  assert.match(raw, new RegExp(`^Subject: ${token}$`, 'm'));
});

test('dovecot IMAP accepts LOGIN for alice', async (t) => {
  const s = need(t);
  if (!s) return;
  const alice = s.users.find((u) => u.name === 'alice');
  assert.ok(alice);
  const d = await Dialog.open(s.imapPort);
  try {
    assert.match(await d.expect(/\r\n/), /^\* OK .*STARTTLS/);
    d.send(`a LOGIN ${alice.name} ${alice.password}`);
    assert.match(await d.expect(/^a [A-Z]+ [^\r\n]*\r\n/m), /^a OK /m);
    d.send('b LOGOUT');
    await d.expect(/^b OK[^\r\n]*\r\n/m);
  } finally {
    d.close();
  }
});

test('dovecot IMAPS greets over TLS', async (t) => {
  const s = need(t);
  if (!s) return;
  const d = await Dialog.open(s.imapsPort, ca);
  try {
    assert.match(await d.expect(/\r\n/), /^\* OK /);
  } finally {
    d.close();
  }
});

test('dovecot POP3 greets with +OK', async (t) => {
  const s = need(t);
  if (!s) return;
  const d = await Dialog.open(s.pop3Port);
  try {
    assert.match(await d.expect(/\r\n/), /^\+OK /);
  } finally {
    d.close();
  }
});

test('dovecot ManageSieve greets with its capabilities', async (t) => {
  const s = need(t);
  if (!s) return;
  const d = await Dialog.open(s.sievePort);
  try {
    const greeting = await d.expect(/^OK[^\r\n]*\r\n/m);
    assert.match(greeting, /^"IMPLEMENTATION" /m);
  } finally {
    d.close();
  }
});
