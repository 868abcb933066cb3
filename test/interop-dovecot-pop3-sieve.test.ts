/** mailsh against a real Dovecot: POP3 bodies, STLS, APOP; ManageSieve literals and STARTTLS; --explain with Postfix. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { RealServers } from './support/real-servers.js';
import { useRealServers } from './support/real-fixture.js';
import { CLI } from './support/run-cli.js';
import { runQuiet } from './support/assert-sane.js';

const real = useRealServers();
const dir = mkdtempSync(join(tmpdir(), 'mailsh-pop3-sieve-'));

/** Delivers a message with dot lines to alice through Postfix, typed in DATA (mailsh dot-stuffs). */
async function deliverDots(s: RealServers): Promise<void> {
  const data = ['EHLO me', 'MAIL FROM:<x@example.com>', 'RCPT TO:<alice@mailsh.test>', 'DATA', 'Subject: dots', '', '.hidden line', '..two dots', 'end', '.', 'QUIT'];
  const r = await runQuiet([`smtp://127.0.0.1:${s.smtpPort}`], [`${data.join('\n')}\n`]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  await s.waitForMessage('alice', (raw) => raw.includes('hidden line'));
}

describe('Dovecot POP3', () => {
  it('host:port is detected as POP3; USER/PASS, LIST, RETR shows dot lines un-stuffed, the transcript keeps the wire', async (t) => {
    const s = real(t);
    if (!s) return;
    await deliverDots(s);
    const log = join(dir, 'pop3.log');
    const r = await runQuiet([`127.0.0.1:${s.pop3Port}`, '--log', log], ['USER alice\nPASS alice-secret\nLIST\nRETR 1\nQUIT\n']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /protocol: pop3 \(from the greeting\)/);
    assert.match(r.stdout, /^C: PASS <redacted 12 bytes>$/m);
    assert.match(r.stdout, /^C: LIST\nS: \+OK 1 messages:\nS: 1 \d+\nS: \.$/m);
    assert.match(r.stdout, /^S: \.hidden line\nS: \.\.two dots\nS: end\nS: \.\nC: QUIT$/m);
    const wire = readFileSync(log, 'utf8');
    assert.match(wire, /S: \.\.hidden line\\r\\n/);
    assert.match(wire, /S: \.\.\.two dots\\r\\n/);
    assert.doesNotMatch(wire, /alice-secret/);
  });

  it('POP3S: CAPA, a wrong password is -ERR [AUTH], explained with --explain; exit 1', async (t) => {
    const s = real(t);
    if (!s) return;
    const r = await runQuiet([`pop3s://localhost:${s.pop3sPort}`, '--ca', s.caFile, '--explain'], ['CAPA\nUSER alice\nPASS wrong\n']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^S: \+OK\s*$/m);
    assert.match(r.stdout, /^S: \.   \[\+OK: the command succeeded\]$/m);
    assert.match(r.stdout, /^S: -ERR \[AUTH\] Authentication failed\.   \[-ERR: the command failed; \[AUTH\]: the credentials are wrong/m);
  });

  it('STLS typed by hand, then STAT over TLS', async (t) => {
    const s = real(t);
    if (!s) return;
    const r = await runQuiet([`localhost:${s.pop3Port}`, '--ca', s.caFile], ['STLS\nCAPA\nUSER bob\nPASS bob-secret\nSTAT\nQUIT\n']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^C: STLS\nS: \+OK Begin TLS negotiation now\.$/m);
    assert.match(r.stderr, /TLS TLSv1\.\d .*certificate verified/);
    assert.match(r.stdout, /^C: STAT\nS: \+OK 0 0$/m);
  });

  it('APOP with the digest of the greeting timestamp (RFC 1939 §7)', async (t) => {
    const s = real(t);
    if (!s) return;
    // The digest needs the greeting's timestamp: read it, then type APOP into the same session.
    const child = spawn(process.execPath, [CLI, `pop3://127.0.0.1:${s.pop3Port}`], { env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    const seen = (re: RegExp): Promise<RegExpMatchArray> => new Promise((resolve, reject) => {
      const check = (): void => {
        const m = re.exec(out);
        if (m) {
          child.stdout.off('data', check);
          resolve(m);
        }
      };
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        check();
      });
      child.once('close', () => reject(new Error(`closed: ${out}`)));
      check();
    });
    t.after(() => child.kill());
    const [, stamp] = await seen(/^S: \+OK .*(<[^>]+>)$/m);
    const digest = createHash('md5').update(`${stamp}alice-secret`).digest('hex');
    child.stdin.end(`APOP alice ${digest}\nSTAT\nQUIT\n`);
    await seen(/^S: \+OK Logging out/m);
    assert.match(out, /^C: APOP alice <redacted 32 bytes>\nS: \+OK Logged in\.$/m);
    assert.doesNotMatch(out, new RegExp(digest));
  });
});

describe('Dovecot ManageSieve', () => {
  const plain = Buffer.from('\0alice\0alice-secret').toString('base64');

  it('host:port is detected as Sieve; STARTTLS typed, AUTHENTICATE, typed PUTSCRIPT literal, /putscript, LISTSCRIPTS, GETSCRIPT', async (t) => {
    const s = real(t);
    if (!s) return;
    const typed = 'require "fileinto";\r\nkeep;';
    const file = join(dir, 'vacation.sieve');
    writeFileSync(file, 'require ["fileinto"];\n# a comment\nif header :contains "subject" "x" { fileinto "INBOX"; }\n');
    const lines = [
      'STARTTLS',
      `AUTHENTICATE "PLAIN" "${plain}"`,
      `PUTSCRIPT "typed" {${Buffer.byteLength(typed)}+}`,
      'require "fileinto";',
      'keep;',
      `/putscript "from file" ${file}`,
      'SETACTIVE "typed"',
      'LISTSCRIPTS',
      'GETSCRIPT "from file"',
      'LOGOUT',
    ];
    const r = await runQuiet([`localhost:${s.sievePort}`, '--ca', s.caFile], [`${lines.join('\n')}\n`]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /protocol: sieve \(from the greeting\)/);
    assert.match(r.stdout, /^C: STARTTLS\nS: OK/m);
    assert.match(r.stderr, /certificate verified/);
    assert.match(r.stdout, /^C: AUTHENTICATE "PLAIN" <redacted \d+ bytes>\nS: OK/m);
    assert.match(r.stdout, /^C: PUTSCRIPT "typed" \{\d+\+\}\nC: require "fileinto";\nC: keep;\nS: OK "?Putscript completed/im);
    assert.match(r.stdout, /^C: PUTSCRIPT "from file" \{\d+\+\}\n/m);
    assert.match(r.stderr, /sent .*vacation\.sieve: \d+ bytes as a literal/);
    assert.match(r.stdout, /^S: "typed" ACTIVE$/m);
    assert.match(r.stdout, /^S: "from file"$/m);
    // The server's literal: the script's lines, shown as data.
    assert.match(r.stdout, /^S: \{\d+\}\nS: require \["fileinto"\];\nS: # a comment\n/m);
    assert.match(r.stdout, /^S: OK "?Getscript completed/im);
    assert.doesNotMatch(r.stdout, /alice-secret/);
  });

  it('a refused command: NO with a response code, explained', async (t) => {
    const s = real(t);
    if (!s) return;
    const r = await runQuiet([`sieve://localhost:${s.sievePort}`, '--ca', s.caFile, '--explain', '-e', `AUTHENTICATE "PLAIN" "${plain}"`, '-e', 'GETSCRIPT "nope"']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^S: NO \(NONEXISTENT\) .*\[NO: the command failed; \(NONEXISTENT\): the script does not exist\]$/m);
  });
});

describe('Postfix --explain', () => {
  it('relay refused: the basic and the enhanced code are explained', async (t) => {
    const s = real(t);
    if (!s) return;
    const r = await runQuiet([`smtp://127.0.0.1:${s.smtpPort}`, '--explain', '-e', 'EHLO me', '-e', 'MAIL FROM:<a@example.com>', '-e', 'RCPT TO:<x@example.com>']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^S: 554 5\.7\.1 <x@example\.com>: Relay access denied   \[554: transaction failed .*; 5\.7\.1: permanent failure, security or policy status: delivery not authorized/m);
  });
});
