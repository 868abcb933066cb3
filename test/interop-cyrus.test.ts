/**
 * mailsh against a real Cyrus IMAP 3.6 (imapd, pop3d, timsieved, lmtpd):
 * a second implementation beside Dovecot (issue 17). No session draws a
 * warning from it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runQuiet } from './support/assert-sane.js';
import { scriptFile } from './support/script-file.js';
import { useCyrus } from './support/cyrus-fixture.js';

const cyrus = useCyrus();

describe('Cyrus IMAP', () => {
  it('seed session: LOGIN, LIST, SELECT, LOGOUT; BYE then the tagged OK draws no warning', async (t) => {
    const s = cyrus(t);
    if (!s) return;
    const r = await runQuiet([`imap://127.0.0.1:${s.imapPort}`], ['a login alice alice-secret\nb LIST "" "*"\nc SELECT INBOX\nd LOGOUT\n']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Cyrus IMAP 3\.6/);
    assert.match(r.stdout, /^S: \* LIST \(.*\) "\/" INBOX$/m);
    assert.match(r.stdout, /^S: c OK \[READ-WRITE\]/m);
    assert.match(r.stdout, /^S: \* BYE .*\nS: d OK /m);
  });

  it('STARTTLS, ENABLE CONDSTORE: /expect /regex/ sees the untagged ENABLED; /quit logs out quietly', async (t) => {
    const s = cyrus(t);
    if (!s) return;
    const r = await runQuiet([`imap://localhost:${s.imapPort}`, '--starttls', '--ca', s.caFile,
      '-e', 'login alice alice-secret', '-e', 'enable condstore', '-e', '/expect /^\\* ENABLED CONDSTORE$/m', '-e', '/expect OK', '-e', '/quit']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /certificate verified/);
    assert.match(r.stdout, /^S: \* ENABLED CONDSTORE\nS: A003 OK/m);
  });

  for (const mech of ['PLAIN', 'LOGIN', 'CRAM-MD5', 'SCRAM-SHA-1', 'SCRAM-SHA-256']) {
    it(`/auth ${mech} on IMAP and on ManageSieve (challenges sent as literals)`, async (t) => {
      const s = cyrus(t);
      if (!s) return;
      assert.ok(s.mechanisms.includes(mech));
      const imap = await runQuiet([`imap://127.0.0.1:${s.imapPort}`, '-e', `/auth ${mech} alice alice-secret`, '-e', 'select INBOX']);
      assert.equal(imap.code, 0, imap.stdout + imap.stderr);
      assert.match(imap.stderr, new RegExp(`authenticated as alice with ${mech}`));
      const sieve = await runQuiet([`sieve://localhost:${s.sievePort}`, '--ca', s.caFile, '-e', `/auth ${mech} alice alice-secret`, '-e', 'LISTSCRIPTS', '-e', '/expect OK']);
      assert.equal(sieve.code, 0, sieve.stdout + sieve.stderr);
      const verified = mech.startsWith('SCRAM-') ? ', server signature verified' : '';
      assert.match(sieve.stderr, new RegExp(`authenticated as alice with ${mech}${verified}`));
      assert.doesNotMatch(imap.stdout + imap.stderr + sieve.stdout + sieve.stderr, /alice-secret/);
      if (mech === 'CRAM-MD5') {
        // timsieved sends the challenge as a literal: {N}, the base64, and it is shown decoded.
        assert.match(sieve.stdout, /^S: \{\d+\}\nS: [A-Za-z0-9+/]+=*\nS: +\[<[^>]+@localhost>\]$/m);
      }
    });
  }
});

describe('Cyrus ManageSieve', () => {
  it('typed AUTHENTICATE CRAM-MD5 answered with {{cram-md5}}; PUTSCRIPT; /expect /regex/ sees the GETSCRIPT literal', async (t) => {
    const s = cyrus(t);
    if (!s) return;
    const body = 'require "fileinto";\r\nfileinto "INBOX";\r\n';
    const r = await runQuiet([`sieve://localhost:${s.sievePort}`, '--ca', s.caFile, '-f', scriptFile([
      'AUTHENTICATE "CRAM-MD5"', '"{{cram-md5 alice alice-secret}}"', '/expect OK',
      `PUTSCRIPT "main" {${Buffer.byteLength(body)}+}`, 'require "fileinto";', 'fileinto "INBOX";', '', '/expect OK',
      'GETSCRIPT "main"', '/expect /^fileinto "INBOX";$/m', '/expect OK', 'LOGOUT',
    ])]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^C: GETSCRIPT "main"\nS: \{\d+\}\n/m);
  });
});

describe('Cyrus POP3', () => {
  it('CAPA, STLS in place, USER/PASS, STAT, QUIT', async (t) => {
    const s = cyrus(t);
    if (!s) return;
    const r = await runQuiet([`pop3://localhost:${s.pop3Port}`, '--ca', s.caFile], ['CAPA\nSTLS\nCAPA\nUSER alice\nPASS alice-secret\nSTAT\nQUIT\n']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^S: IMPLEMENTATION Cyrus POP3/m);
    assert.match(r.stdout, /^C: STAT\nS: \+OK \d+ \d+$/m);
  });
});

describe('Cyrus LMTP', () => {
  it('host port: detected as LMTP from the greeting; one reply per recipient after DATA, each shown with its recipient', async (t) => {
    const s = cyrus(t);
    if (!s) return;
    const marker = `lmtp-${process.pid}-${Date.now()}`;
    const r = await runQuiet(['127.0.0.1', String(s.lmtpPort), '-f', scriptFile([
      'LHLO client.test', 'MAIL FROM:<sender@example.org>', 'RCPT TO:<alice>', 'RCPT TO:<bob>', 'DATA', `Subject: ${marker}`, '', 'two recipients', '.',
      '/expect 250', '/expect 2.1.5', '/expect /Success[^]*Success/',
      // The next transaction gets its own replies, not shifted ones.
      'MAIL FROM:<sender@example.org>', '/expect 2.1.0', 'RSET', 'QUIT', '/expect 221',
    ])]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /protocol: lmtp \(from the greeting\)/);
    assert.match(r.stdout, /^S: 250 2\.1\.5 .* +\[for <alice>\]\nS: 250 2\.1\.5 .* +\[for <bob>\]$/m);
  });

  it('/send FILE to two recipients: reported sent once both took it', async (t) => {
    const s = cyrus(t);
    if (!s) return;
    const file = join(mkdtempSync(join(tmpdir(), 'mailsh-cyrus-')), 'msg.eml');
    writeFileSync(file, 'Subject: sent by /send\n\nbody\n');
    const r = await runQuiet([`lmtp://127.0.0.1:${s.lmtpPort}`, '-e', 'LHLO client.test', '-e', 'MAIL FROM:<x@example.org>', '-e', 'RCPT TO:<alice>', '-e', 'RCPT TO:<bob>', '-e', `/send ${file}`, '-e', '/expect 250']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /sent .*msg\.eml: \d+ bytes through DATA/);
  });
});
