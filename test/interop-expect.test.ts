/** Scripts as tests (SPEC §10): /expect and --pipeline against real Postfix and Dovecot. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { useRealServers } from './support/real-fixture.js';
import { runQuiet } from './support/assert-sane.js';
import { scriptFile } from './support/script-file.js';

const real = useRealServers();

describe('/expect against Postfix', () => {
  it('passing expectations, including an accepted 554: exit 0', async (t) => {
    const s = real(t);
    if (!s) return;
    const file = scriptFile([
      'EHLO client.test', '/expect 250', '/expect /^250-PIPELINING$/m',
      'MAIL FROM:<alice@mailsh.test>', '/expect 2',
      'RCPT TO:<someone@example.com>', '/expect 5xx', '/expect 5.7.1', '/expect /Relay access denied/',
      'QUIT', '/expect 221',
    ]);
    const r = await runQuiet([`smtp://127.0.0.1:${s.smtpPort}`, '-f', file]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^S: 554 5\.7\.1 <someone@example\.com>: Relay access denied$/m);
  });

  it('a failing expectation stops the script at its line: exit 1, nothing after it is sent', async (t) => {
    const s = real(t);
    if (!s) return;
    const file = scriptFile(['EHLO client.test', 'MAIL FROM:<alice@mailsh.test>', 'RCPT TO:<someone@example.com>', '/expect 250', 'RSET']);
    const r = await runQuiet([`smtp://127.0.0.1:${s.smtpPort}`, '-f', file], [], {}, { allowed: [/expected 250, got 554/] });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /expected 250, got 554 5\.7\.1 <someone@example\.com>: Relay access denied \(reply to RCPT\) \(line 4: \/expect 250\)/);
    assert.doesNotMatch(r.stdout, /^C: RSET/m);
    assert.match(r.stdout, /^C: QUIT\nS: 221 /m, 'it still quits politely');
  });

  it('--pipeline: 100 recipients in one group, every reply matched to its RCPT, DATA delivered', async (t) => {
    const s = real(t);
    if (!s) return;
    const alice = s.users.find((u) => u.name === 'alice')!;
    const marker = `pipeline-${process.pid}-${Date.now()}`;
    // Three kinds of answer, so a reply matched to the wrong RCPT shows.
    const rcpts = Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? alice.address : i % 3 === 1 ? `nobody${i}@${s.domain}` : `x${i}@example.com`));
    const lines = ['EHLO client.test', `MAIL FROM:<${alice.address}>`, ...rcpts.map((a) => `RCPT TO:<${a}>`), 'DATA', `Subject: ${marker}`, '', 'pipelined', '.', '/expect 250', 'QUIT'];
    const r = await runQuiet([`smtp://127.0.0.1:${s.smtpPort}`, '--pipeline', '-f', scriptFile(lines)]);
    // The 550/554 replies make the run fail (exit 1) after it went through.
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const out = r.stdout.split('\n');
    const fromMail = out.slice(out.indexOf(`C: MAIL FROM:<${alice.address}>`));
    const replies = fromMail.filter((l) => l.startsWith('S: ')).slice(1, 101);
    assert.equal(replies.length, 100);
    replies.forEach((reply, i) => {
      const expected = i % 3 === 0 ? /^S: 250 2\.1\.5 Ok$/ : i % 3 === 1 ? new RegExp(`^S: 550 5\\.1\\.1 <nobody${i}@mailsh\\.test>`) : new RegExp(`^S: 554 5\\.7\\.1 <x${i}@example\\.com>`);
      assert.match(reply, expected, `reply ${i + 1}`);
    });
    // DATA's 354 was read as DATA's reply, so the body went out as text.
    assert.match(r.stdout, /^S: 354 /m);
    assert.match(r.stdout, /^C: \.\nS: 250 2\.0\.0 Ok: queued/m);
    assert.doesNotMatch(r.stderr, /expected/);
    await s.waitForMessage('alice', (raw) => raw.includes(marker));
  });
});

describe('/expect against Dovecot', () => {
  it('IMAP: OK and an accepted NO pass: exit 0', async (t) => {
    const s = real(t);
    if (!s) return;
    const alice = s.users.find((u) => u.name === 'alice')!;
    const file = scriptFile([`login ${alice.name} ${alice.password}`, '/expect OK', 'select NoSuchBox', '/expect NO', "/expect /doesn't exist/", 'select INBOX', '/expect OK', 'logout']);
    const r = await runQuiet([`imap://127.0.0.1:${s.imapPort}`, '-f', file]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^S: A002 NO /m);
  });

  it('IMAP: a NO where OK was expected stops the script with exit 1', async (t) => {
    const s = real(t);
    if (!s) return;
    // No wrong password here: Dovecot slows down later logins from the same address after one.
    const r = await runQuiet([`imap://127.0.0.1:${s.imapPort}`, '-e', 'select INBOX', '-e', '/expect OK', '-e', 'list "" *'], [], {}, { allowed: [/expected OK, got A001 BAD/] });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /expected OK, got A001 (NO|BAD) .* \(reply to SELECT\) \(line 2: \/expect OK\)/);
    assert.doesNotMatch(r.stdout, /^C: A002 list/m);
  });

  it('POP3: +OK and an accepted -ERR pass; -ERR where +OK was expected fails', async (t) => {
    const s = real(t);
    if (!s) return;
    const ok = await runQuiet([`pop3://127.0.0.1:${s.pop3Port}`, '-e', 'CAPA', '-e', '/expect +OK', '-e', 'STAT', '-e', '/expect -ERR']);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const bad = await runQuiet([`pop3://127.0.0.1:${s.pop3Port}`, '-e', 'USER alice', '-e', 'STAT', '-e', '/expect +OK'], [], {}, { allowed: [/expected \+OK, got -ERR/] });
    assert.equal(bad.code, 1, bad.stdout + bad.stderr);
    assert.match(bad.stderr, /expected \+OK, got -ERR .*\(line 3: \/expect \+OK\)/);
  });

  it('--pipeline: /send through BDAT while replies are due: every reply matched, the file delivered', async (t) => {
    const s = real(t);
    if (!s) return;
    const alice = s.users.find((u) => u.name === 'alice')!;
    const marker = `pipelined-send-${process.pid}-${Date.now()}`;
    const message = join(mkdtempSync(join(tmpdir(), 'mailsh-expect-')), 'msg.eml');
    writeFileSync(message, `Subject: ${marker}\n\n.a leading dot\nbody\n`);
    // BDAT carries the file with CRLF line ends and no dot-stuffing.
    const size = `Subject: ${marker}\r\n\r\n.a leading dot\r\nbody\r\n`.length;
    const lines = ['EHLO client.test', `MAIL FROM:<${alice.address}>`, `RCPT TO:<${alice.address}>`, `/send ${message}`, '/expect 250', 'QUIT'];
    const r = await runQuiet([`smtp://127.0.0.1:${s.smtpPort}`, '--pipeline', '-f', scriptFile(lines)]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    // Postfix offers CHUNKING: the first BDAT may join the group (RFC 3030
    // §4.2) once the file is read, and every reply is matched in order.
    const out = r.stdout.split('\n');
    const replies = out.slice(out.indexOf(`C: MAIL FROM:<${alice.address}>`)).filter((l) => l.startsWith('S: '));
    assert.deepEqual(replies.slice(0, 2), ['S: 250 2.1.0 Ok', 'S: 250 2.1.5 Ok']);
    assert.match(replies[2], new RegExp(`^S: 250 2\\.0\\.0 Ok: ${size} bytes queued as `));
    // The message fits one chunk: one BDAT LAST carries it.
    assert.match(r.stdout, new RegExp(`^C: BDAT ${size} LAST$`, 'm'));
    assert.doesNotMatch(r.stdout, /^C: BDAT 0/m);
    await s.waitForMessage('alice', (raw) => raw.includes(marker) && /\n\.a leading dot\r?\nbody\r?\n/.test(raw));
  });

  it('IMAP --pipeline: STATUS and LIST go out together, replies matched by tag', async (t) => {
    const s = real(t);
    if (!s) return;
    const alice = s.users.find((u) => u.name === 'alice')!;
    const r = await runQuiet([`imap://127.0.0.1:${s.imapPort}`, '--pipeline', '-e', `login ${alice.name} ${alice.password}`, '-e', 'status INBOX (MESSAGES)', '-e', 'list "" *', '-e', 'noop', '-e', '/expect OK']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^C: A002 status INBOX \(MESSAGES\)\nC: A003 list "" \*\nC: A004 noop$/m);
    for (const tag of ['A002', 'A003', 'A004']) assert.match(r.stdout, new RegExp(`^S: ${tag} OK`, 'm'));
  });

  it('POP3 --pipeline: after CAPA lists PIPELINING, USER, PASS, STAT and LIST go out together', async (t) => {
    const s = real(t);
    if (!s) return;
    const bob = s.users.find((u) => u.name === 'bob')!;
    const r = await runQuiet([`pop3://127.0.0.1:${s.pop3Port}`, '--pipeline', '-e', 'CAPA', '-e', `USER ${bob.name}`, '-e', `PASS ${bob.password}`, '-e', 'STAT', '-e', 'LIST', '-e', '/expect +OK']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^S: PIPELINING$/m);
    assert.match(r.stdout, /^C: USER <redacted \d+ bytes>\nC: PASS <redacted \d+ bytes>\nC: STAT\nC: LIST\nS: \+OK\nS: \+OK Logged in\.\nS: \+OK \d+ \d+\nS: \+OK/m);
  });
});
