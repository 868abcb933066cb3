/** /auth, --auth and the inline helpers against real Dovecot and Postfix, every mechanism they offer. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RealServers } from './support/real-servers.js';
import { useRealServers } from './support/real-fixture.js';
import { runQuiet } from './support/assert-sane.js';

const real = useRealServers();

const MECHANISMS = ['PLAIN', 'LOGIN', 'CRAM-MD5', 'SCRAM-SHA-1', 'SCRAM-SHA-256'];

interface Service {
  name: string;
  args(s: RealServers): string[];
  /** A command that only an authenticated user may run, and its success. */
  probe: string[];
  ok: RegExp;
}

const SERVICES: Service[] = [
  { name: 'IMAP', args: (s) => [`imap://localhost:${s.imapPort}`], probe: ['select INBOX'], ok: /^S: A\d+ OK \[READ-WRITE\]/m },
  { name: 'POP3', args: (s) => [`pop3://localhost:${s.pop3Port}`], probe: ['STAT'], ok: /^C: STAT\nS: \+OK \d+ \d+$/m },
  {
    name: 'submission (STARTTLS, then EHLO by /auth)',
    args: (s) => [`submission://localhost:${s.submissionPort}`, '--ca', s.caFile],
    probe: ['MAIL FROM:<alice@mailsh.test>', 'RCPT TO:<someone@elsewhere.example>'],
    ok: /^C: RCPT TO:<someone@elsewhere\.example>\nS: 250 /m,
  },
  { name: 'ManageSieve (STARTTLS)', args: (s) => [`sieve://localhost:${s.sievePort}`, '--ca', s.caFile], probe: ['LISTSCRIPTS'], ok: /^S: OK/m },
];

for (const service of SERVICES) {
  describe(`/auth on ${service.name}`, () => {
    for (const mech of MECHANISMS) {
      it(mech, async (t) => {
        const s = real(t);
        if (!s) return;
        const lines = [`/auth ${mech} alice alice-secret`, ...service.probe];
        const r = await runQuiet([...service.args(s), ...lines.flatMap((l) => ['-e', l])]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const verified = mech.startsWith('SCRAM-') ? ', server signature verified' : '';
        assert.match(r.stderr, new RegExp(`authenticated as alice with ${mech}${verified}`));
        assert.match(r.stdout, service.ok);
        assert.doesNotMatch(r.stdout + r.stderr, /alice-secret/);
        assert.match(r.stdout, /<redacted \d+ bytes>/);
      });
    }
  });
}

describe('authentication by hand and at connect', () => {
  it('AUTH PLAIN {{plain bob …}} typed on submission after STARTTLS', async (t) => {
    const s = real(t);
    if (!s) return;
    const r = await runQuiet([`submission://localhost:${s.submissionPort}`, '--ca', s.caFile], ['EHLO client.test\nAUTH PLAIN {{plain bob bob-secret}}\nQUIT\n']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^C: AUTH PLAIN <redacted 20 bytes>\nS: 235 /m);
    assert.doesNotMatch(r.stdout, /bob-secret|AGJvYgBib2Itc2VjcmV0/);
  });

  it('AUTH CRAM-MD5 answered with {{cram-md5}} from the challenge', async (t) => {
    const s = real(t);
    if (!s) return;
    const r = await runQuiet([`imap://localhost:${s.imapPort}`], ['a AUTHENTICATE CRAM-MD5\n{{cram-md5 alice alice-secret}}\nb LOGOUT\n']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^S: \+ \S+ +\[<[^>]+>\]$/m, 'the challenge is shown decoded');
    assert.match(r.stdout, /^C: <redacted \d+ bytes>\nS: a OK/m);
  });

  it('APOP {{apop alice}} with the password from MAILSH_PASSWORD', async (t) => {
    const s = real(t);
    if (!s) return;
    const r = await runQuiet([`pop3://localhost:${s.pop3Port}`, '-e', 'APOP {{apop alice}}', '-e', 'STAT'], [], { MAILSH_PASSWORD: 'alice-secret' });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^C: APOP alice <redacted 32 bytes>\nS: \+OK/m);
  });

  it('--auth SCRAM-SHA-256 over IMAPS, user from the URL, password from MAILSH_PASSWORD', async (t) => {
    const s = real(t);
    if (!s) return;
    const r = await runQuiet([`imaps://bob@localhost:${s.imapsPort}`, '--ca', s.caFile, '--auth', 'scram-sha-256', '-e', 'select INBOX'], [], { MAILSH_PASSWORD: 'bob-secret' });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /authenticated as bob with SCRAM-SHA-256, server signature verified/);
    assert.match(r.stdout, /^C: A001 AUTHENTICATE SCRAM-SHA-256 <redacted \d+ bytes>$/m, 'SASL-IR is used where offered');
  });

  it('a wrong password is a clear failure and the session goes on (exit 1 at the end)', async (t) => {
    const s = real(t);
    if (!s) return;
    const r = await runQuiet([`imap://localhost:${s.imapPort}`, '-e', '/auth PLAIN alice wrong-password', '-e', '/auth SCRAM-SHA-1 alice alice-secret', '-e', 'select INBOX'], [], {}, { allowed: [/PLAIN authentication failed/] });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /PLAIN authentication failed: A001 NO \[AUTHENTICATIONFAILED\]/);
    assert.match(r.stderr, /authenticated as alice with SCRAM-SHA-1/);
    assert.match(r.stdout, /^S: A00\d OK \[READ-WRITE\]/m);
  });

  it('a script never prompts: /auth without a password or MAILSH_PASSWORD is exit 2', async (t) => {
    const s = real(t);
    if (!s) return;
    const r = await runQuiet([`imap://localhost:${s.imapPort}`, '-e', '/auth PLAIN alice', '-e', 'noop'], [], {}, { allowed: [/no password/] });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /no password: give it on the line or in MAILSH_PASSWORD/);
    assert.doesNotMatch(r.stdout, /AUTHENTICATE/);
  });
});
