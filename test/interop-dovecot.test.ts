/** mailsh against a real Dovecot: IMAP and POP3 basics, STARTTLS/STLS in place. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { useRealServers } from './support/real-fixture.js';
import { CLI } from './support/run-cli.js';
import { runQuiet } from './support/assert-sane.js';

const real = useRealServers();

describe('Dovecot IMAP', () => {
  it('seed session with hand tags: LOGIN, LIST, SELECT, LOGOUT', async (t) => {
    const s = real(t);
    if (!s) return;
    const alice = s.users.find((u) => u.name === 'alice')!;
    const r = await runQuiet([`imap://127.0.0.1:${s.imapPort}`], [`a login ${alice.name} ${alice.password}\nb LIST "" "*"\nc SELECT INBOX\nd LOGOUT\n`]);
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
    const r = await runQuiet([`imap://localhost:${s.imapPort}`, '--ca', s.caFile], [`capability\nstarttls\ncapability\nlogin ${alice.name} ${alice.password}\nselect INBOX\nlogout\n`]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^C: A001 capability$/m);
    assert.match(r.stdout, /^C: A002 starttls\nS: A002 OK/m);
    assert.match(r.stdout, /^C: A004 login alice <redacted/m);
    assert.match(r.stdout, /^S: A005 OK \[READ-WRITE\]/m);
    assert.match(r.stderr, /TLS TLSv1\.\d .*certificate verified/);
    assert.match(r.stderr, /send CAPABILITY again/);
  });

  it('IMAPS with a wrong password: NO, the script fails with exit 1', async (t) => {
    const s = real(t);
    if (!s) return;
    const r = await runQuiet([`imaps://localhost:${s.imapsPort}`, '--ca', s.caFile, '-e', 'login alice wrong-password']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^S: A001 NO /m);
  });
});

describe('Dovecot POP3', () => {
  it('STLS upgrades in place, then USER/PASS, LIST and QUIT', async (t) => {
    const s = real(t);
    if (!s) return;
    const alice = s.users.find((u) => u.name === 'alice')!;
    const r = await runQuiet([`pop3://localhost:${s.pop3Port}`, '--ca', s.caFile], [`CAPA\nSTLS\nUSER ${alice.name}\nPASS ${alice.password}\nLIST\nQUIT\n`]);
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
    const r = await runQuiet([`sieve://localhost:${s.sievePort}`, '--ca', s.caFile, '-e', `AUTHENTICATE "PLAIN" "${ir}"`, '-e', 'LISTSCRIPTS', '-e', '/caps']);
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

describe('Dovecot IMAP: literals, IDLE, quoting', () => {
  it('APPEND with a typed {N} literal; a body line "A001 OK fake" does not confuse the tracker', async (t) => {
    const s = real(t);
    if (!s) return;
    const bob = s.users.find((u) => u.name === 'bob')!;
    const body = ['Subject: literal test', '', 'A001 OK fake', '* BYE not really'];
    // N counts the CRLFs between the lines, not after the last: its Enter ends the command.
    const size = Buffer.byteLength(body.join('\r\n'));
    const lines = [`login ${bob.name} ${bob.password}`, `append INBOX {${size}}`, ...body, 'select INBOX', 'fetch 1 body[]', 'noop'];
    const r = await runQuiet([`imap://127.0.0.1:${s.imapPort}`], [lines.join('\n') + '\n']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^S: \+ OK/m);
    assert.match(r.stdout, /^S: A002 OK \[APPENDUID \d+ 1\] Append completed/m);
    assert.match(r.stdout, /^S: \* 1 FETCH \(.*BODY\[\] \{\d+\}$/m);
    assert.match(r.stdout, /^S: A001 OK fake$/m);
    assert.match(r.stdout, /^S: A004 OK Fetch completed/m);
    assert.match(r.stdout, /^C: A005 noop\nS: A005 OK/m);
    assert.doesNotMatch(r.stderr, /not in flight/);
  });

  it('LOGIN with a password containing " and ! as a quoted string', async (t) => {
    const s = real(t);
    if (!s) return;
    const carol = s.users.find((u) => u.name === 'carol')!;
    const quoted = `"${carol.password.replace(/["\\]/g, '\\$&')}"`;
    const r = await runQuiet([`imap://127.0.0.1:${s.imapPort}`, '-e', `login carol ${quoted}`]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^C: A001 login carol <redacted \d+ bytes>\nS: \* CAPABILITY|^S: A001 OK/m);
    assert.doesNotMatch(r.stdout, /say/);
  });

  it('IDLE shows EXISTS when a message is delivered meanwhile, then done', async (t) => {
    const s = real(t);
    if (!s) return;
    const alice = s.users.find((u) => u.name === 'alice')!;
    const child = spawn(process.execPath, [CLI, `imap://127.0.0.1:${s.imapPort}`], { env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    const seen = (re: RegExp): Promise<void> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}: ${out}`)), 10_000);
        const check = (): void => {
          if (re.test(out)) {
            clearTimeout(timer);
            child.stdout.off('data', check);
            resolve();
          }
        };
        child.stdout.on('data', check);
        check();
      });
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdin.write(`login ${alice.name} ${alice.password}\nselect INBOX\nidle\n`);
    await seen(/^S: \+ idling/m);
    const marker = `idle-${process.pid}`;
    await runQuiet([`smtp://127.0.0.1:${s.smtpPort}`], [`EHLO x\nMAIL FROM:<x@example.org>\nRCPT TO:<${alice.address}>\nDATA\nSubject: ${marker}\n\nhi\n.\n`]);
    await seen(/^S: \* \d+ EXISTS$/m);
    child.stdin.end('done\n');
    assert.equal(await exited, 0);
    assert.match(out, /^C: done\nS: A003 OK Idle completed/m);
  });
});

describe('Dovecot IMAP helpers', () => {
  it('/login quotes a password with " and !; a missing password comes from MAILSH_PASSWORD', async (t) => {
    const s = real(t);
    if (!s) return;
    const carol = s.users.find((u) => u.name === 'carol')!;
    const r = await runQuiet([`imap://127.0.0.1:${s.imapPort}`, '-e', `/login carol '${carol.password}'`]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^C: A001 LOGIN "carol" <redacted 13 bytes>$/m);
    assert.match(r.stdout, /^S: A001 OK /m);
    assert.doesNotMatch(r.stdout, /say/);
    const env = await runQuiet([`imap://carol@127.0.0.1:${s.imapPort}`, '-e', '/login'], [], { MAILSH_PASSWORD: carol.password });
    assert.equal(env.code, 0, env.stdout + env.stderr);
    assert.match(env.stdout, /^S: A001 OK /m);
    const none = await runQuiet([`imap://carol@127.0.0.1:${s.imapPort}`, '-e', '/login'], [], {}, { allowed: [/no password/] });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no password/);
  });

  it('/login sends a non-ASCII password as a literal', async (t) => {
    const s = real(t);
    if (!s) return;
    // A wrong password is enough to see the literal exchange; Dovecot answers NO.
    const r = await runQuiet([`imap://127.0.0.1:${s.imapPort}`, '--log', '/dev/null', '-e', '/login alice grüße', '-e', 'noop']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^C: A001 LOGIN "alice" \{7\+\}$/m);
    assert.match(r.stdout, /^C: <redacted 7 bytes>$/m);
    assert.match(r.stdout, /^S: A001 NO /m);
    assert.match(r.stdout, /^C: A002 noop\nS: A002 OK/m);
  });

  it('/append streams a file as a sized literal with flags', async (t) => {
    const s = real(t);
    if (!s) return;
    const bob = s.users.find((u) => u.name === 'bob')!;
    const file = join(mkdtempSync(join(tmpdir(), 'mailsh-append-')), 'msg.eml');
    const marker = `append-${process.pid}`;
    writeFileSync(file, `Subject: ${marker}\n\nline one\n.dot line\n`);
    const r = await runQuiet([`imap://127.0.0.1:${s.imapPort}`, '-e', `login bob ${bob.password}`, '-e', `/append INBOX ${file} \\Flagged`, '-e', 'select INBOX', '-e', `uid search subject ${marker}`, '-e', 'fetch 1:* (flags)']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const size = Buffer.byteLength(`Subject: ${marker}\r\n\r\nline one\r\n.dot line\r\n`);
    assert.match(r.stdout, new RegExp(`^C: A002 APPEND "INBOX" \\(\\\\Flagged\\) \\{${size}\\+\\}$`, 'm'));
    assert.match(r.stdout, /^S: A002 OK \[APPENDUID/m);
    assert.match(r.stdout, /^S: \* SEARCH \d+$/m);
    assert.match(r.stdout, /\\Flagged/);
  });
});
