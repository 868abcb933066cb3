import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAdapter, protocolFromGreeting } from '../src/protocol/detect.js';

test('detect: the protocol follows from the greeting line', () => {
  const cases: [string, string][] = [
    ['220 mx.example.org ESMTP Postfix', 'smtp'],
    ['220-mx.example.org ESMTP first line', 'smtp'],
    ['554 5.3.2 no service for you', 'smtp'],
    ['421 4.3.2 shutting down', 'smtp'],
    // Issue 17: Cyrus lmtpd's greeting names LMTP.
    ['220 localhost Cyrus LMTP 3.6.1-Debian-3.6.1-4+deb12u5 server ready', 'lmtp'],
    ['220-mx LMTP first line', 'lmtp'],
    ['220 mx ESMTP LMTPish-relay', 'smtp'],
    ['* OK [CAPABILITY IMAP4rev1] Dovecot ready.', 'imap'],
    ['* PREAUTH ready', 'imap'],
    ['* BYE too many connections', 'imap'],
    ['+OK Dovecot ready. <1.2.3@host>', 'pop3'],
    ['-ERR [SYS/TEMP] overloaded', 'pop3'],
    ['"IMPLEMENTATION" "Dovecot Pigeonhole"', 'sieve'],
    ['"SIEVE" "fileinto reject"', 'sieve'],
    ['"STARTTLS"', 'sieve'],
    ['SSH-2.0-OpenSSH_9.6', 'line'],
    ['2200 not smtp', 'line'],
    ['+OKAY', 'line'],
    ['"just a quote', 'line'],
    ['', 'line'],
  ];
  for (const [greeting, protocol] of cases) assert.equal(protocolFromGreeting(greeting), protocol, greeting);
});

test('detect: each detected protocol gets its adapter', () => {
  for (const name of ['smtp', 'lmtp', 'imap', 'pop3', 'sieve', 'line'] as const) assert.equal(createAdapter(name).protocol, name);
});
