/** mailsh against a real Dovecot: IMAP and POP3 basics, STARTTLS/STLS in place. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useRealServers } from './support/real-fixture.js';
import { runCli } from './support/run-cli.js';

const real = useRealServers();

describe('Dovecot IMAP', () => {
  it('seed session with hand tags: LOGIN, LIST, SELECT, LOGOUT', async (t) => {
    const s = real(t);
    if (!s) return;
    const alice = s.users.find((u) => u.name === 'alice')!;
    const r = await runCli([`imap://127.0.0.1:${s.imapPort}`], [`a login ${alice.name} ${alice.password}\nb LIST "" "*"\nc SELECT INBOX\nd LOGOUT\n`]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^C: a login alice <redacted \d+ bytes>$/m);
    assert.doesNotMatch(r.stdout, new RegExp(alice.password));
    assert.match(r.stdout, /^S: a OK /m);
    assert.match(r.stdout, /^S: \* LIST \(.*\) "[./]" INBOX$/m);
    assert.match(r.stdout, /^S: c OK \[READ-WRITE\]/m);
    assert.match(r.stdout, /^S: d OK Logout/m);
  });

  it('auto-tagged session with STARTTLS typed by hand', async (t) => {
    const s = real(t);
    if (!s) return;
    const alice = s.users.find((u) => u.name === 'alice')!;
    const r = await runCli([`imap://localhost:${s.imapPort}`, '--ca', s.caFile], [`capability\nstarttls\ncapability\nlogin ${alice.name} ${alice.password}\nselect INBOX\nlogout\n`]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^C: A001 capability$/m);
    assert.match(r.stdout, /^C: A002 starttls\nS: A002 OK/m);
    assert.match(r.stdout, /^C: A004 login alice <redacted/m);
    assert.match(r.stdout, /^S: A005 OK \[READ-WRITE\]/m);
    assert.match(r.stderr, /TLS TLSv1\.\d .*certificate verified/);
  });

  it('IMAPS with a wrong password: NO, the script fails with exit 1', async (t) => {
    const s = real(t);
    if (!s) return;
    const r = await runCli([`imaps://localhost:${s.imapsPort}`, '--ca', s.caFile, '-e', 'login alice wrong-password']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^S: A001 NO /m);
  });
});

describe('Dovecot POP3', () => {
  it('STLS upgrades in place, then USER/PASS, LIST and QUIT', async (t) => {
    const s = real(t);
    if (!s) return;
    const alice = s.users.find((u) => u.name === 'alice')!;
    const r = await runCli([`pop3://localhost:${s.pop3Port}`, '--ca', s.caFile], [`CAPA\nSTLS\nUSER ${alice.name}\nPASS ${alice.password}\nLIST\nQUIT\n`]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^S: STLS$/m);
    assert.match(r.stdout, /^C: PASS <redacted \d+ bytes>$/m);
    assert.match(r.stdout, /^C: LIST\nS: \+OK [^\n]*\n(S: [^\n]*\n)*S: \.$/m);
    assert.match(r.stdout, /^S: \+OK Logging out/m);
  });
});

describe('Dovecot ManageSieve', () => {
  it('sieve:// negotiates STARTTLS at connect, learns capabilities again, LISTSCRIPTS after AUTHENTICATE', async (t) => {
    const s = real(t);
    if (!s) return;
    const alice = s.users.find((u) => u.name === 'alice')!;
    const ir = Buffer.from(`\0${alice.name}\0${alice.password}`).toString('base64');
    const r = await runCli([`sieve://localhost:${s.sievePort}`, '--ca', s.caFile, '-e', `AUTHENTICATE "PLAIN" "${ir}"`, '-e', 'LISTSCRIPTS', '-e', '/caps']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^S: "IMPLEMENTATION" /m);
    assert.match(r.stdout, /^C: STARTTLS\nS: OK/m);
    assert.match(r.stdout, /^C: AUTHENTICATE "PLAIN" <redacted \d+ bytes>\nS: OK/m);
    assert.match(r.stdout, /^C: LISTSCRIPTS\nS: OK/m);
    assert.match(r.stdout, /^SASL PLAIN/m);
    assert.doesNotMatch(r.stdout, /^STARTTLS$/m);
    assert.match(r.stderr, /certificate verified/);
  });
});
