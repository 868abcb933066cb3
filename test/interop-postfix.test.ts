/** mailsh against a real Postfix (and Dovecot LMTP behind it), SPEC §4 and §7. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { useRealServers } from './support/real-fixture.js';
import { runQuiet } from './support/assert-sane.js';
import { startSServer } from './support/tls-lab.js';

const real = useRealServers();

describe('Postfix', () => {
  it('seed session: EHLO, MAIL FROM, RCPT TO a foreign domain is refused, QUIT', async (t) => {
    const s = real(t);
    if (!s) return;
    const r = await runQuiet([`smtp://127.0.0.1:${s.smtpPort}`], ['EHLO client.test\nMAIL FROM:<alice@mailsh.test>\nRCPT TO:<someone@example.com>\nQUIT\n']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^S: 220 /m);
    assert.match(r.stdout, /^S: 250-PIPELINING$/m);
    assert.match(r.stdout, /^S: 554 5\.7\.1 <someone@example\.com>: Relay access denied$/m);
    assert.match(r.stdout, /^C: QUIT\nS: 221 /m);
  });

  it('STARTTLS typed by hand on submission, then EHLO shows AUTH', async (t) => {
    const s = real(t);
    if (!s) return;
    const r = await runQuiet([`smtp://127.0.0.1:${s.submissionPort}`, '--ca', s.caFile, '--sni', 'localhost'], ['EHLO client.test\nSTARTTLS\nEHLO client.test\n']);
    assert.equal(r.code, 0, r.stderr);
    const [before, afterTls] = r.stdout.split('C: STARTTLS');
    assert.match(before, /250-STARTTLS/);
    assert.doesNotMatch(before, /250-AUTH/);
    assert.match(afterTls, /^S: 220 2\.0\.0 Ready to start TLS$/m);
    assert.match(afterTls, /^S: 250-AUTH PLAIN LOGIN/m);
    assert.match(r.stderr, /certificate verified/);
    assert.match(r.stderr, /send EHLO again/);
  });

  it('/send of a message over one chunk: several BDATs, then BDAT 0 LAST; delivered whole', async (t) => {
    const s = real(t);
    if (!s) return;
    const alice = s.users.find((u) => u.name === 'alice')!;
    const marker = `chunks-${process.pid}-${Date.now()}`;
    // About 2.5 MB with LF line ends: three 1 MiB reads, each rewritten to CRLF.
    const lines = Array.from({ length: 40_000 }, (_, i) => `line ${i} ${'x'.repeat(50)}`);
    const file = join(mkdtempSync(join(tmpdir(), 'mailsh-chunks-')), 'big.eml');
    writeFileSync(file, `Subject: ${marker}\n\n${lines.join('\n')}\nlast line\n`);
    const r = await runQuiet([`smtp://127.0.0.1:${s.smtpPort}`, '-e', 'EHLO client.test', '-e', `MAIL FROM:<${alice.address}>`, '-e', `RCPT TO:<${alice.address}>`, '-e', `/send ${file}`]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const bdats = r.stdout.split('\n').filter((l) => l.startsWith('C: BDAT '));
    assert.equal(bdats.length, 4, bdats.join('\n'));
    assert.equal(bdats.at(-1), 'C: BDAT 0 LAST');
    const wire = statSync(file).size + lines.length + 3;
    assert.equal(bdats.slice(0, 3).reduce((n, l) => n + Number(l.split(' ')[2]), 0), wire, 'every byte, with CRLF line ends');
    await s.waitForMessage('alice', (raw) => raw.includes(marker) && raw.includes(`line 39999 ${'x'.repeat(50)}`) && raw.includes('last line'));
  });

  it('full DATA over implicit TLS: uppercase RCPT TO, a body line starting with "." arrives intact', async (t) => {
    const s = real(t);
    if (!s) return;
    const alice = s.users.find((u) => u.name === 'alice')!;
    const plain = Buffer.from(`\0${alice.name}\0${alice.password}`).toString('base64');
    const marker = `interop-${process.pid}-${Date.now()}`;
    const lines = [
      'EHLO client.test',
      `AUTH PLAIN ${plain}`,
      `MAIL FROM:<${alice.address}>`,
      `RCPT TO:<${alice.address.toUpperCase()}>`,
      'DATA',
      `Subject: ${marker}`,
      '',
      '.this line starts with a dot',
      '..and this one with two',
      '.',
      'QUIT',
    ];
    const r = await runQuiet([`smtps://localhost:${s.smtpsPort}`, '--ca', s.caFile], [lines.join('\r\n') + '\r\n']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^C: \.\.this line starts with a dot$/m);
    assert.match(r.stdout, /^S: 250 2\.0\.0 Ok: queued/m);
    assert.doesNotMatch(r.stdout, new RegExp(plain));
    const stored = await s.waitForMessage('alice', (raw) => raw.includes(marker));
    assert.match(stored, /^\.this line starts with a dot$/m);
    assert.match(stored, /^\.\.and this one with two$/m);
  });
});

/** A real TLS server (openssl s_server) with a given certificate. */
describe('TLS failures against openssl s_server', () => {
  const stops: (() => Promise<void>)[] = [];
  after(() => Promise.all(stops.map((s) => s())));
  for (const [name, re] of [
    ['expired', /certificate has expired/],
    ['wronghost', /host name mismatch/],
  ] as const) {
    it(`${name} certificate: exit 3, one line`, async (t) => {
      const s = real(t);
      if (!s) return;
      const pair = s.certs[name];
      readFileSync(pair.cert);
      const srv = await startSServer(['-cert', pair.cert, '-key', pair.key, '-naccept', '4']);
      stops.push(srv.close);
      const r = await runQuiet([`tls://localhost:${srv.port}`, '--ca', s.caFile, '-e', 'hello']);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    });
  }
});

describe('Postfix BDAT refused (issue 17)', () => {
  it('--pipeline: every recipient refused, /send through BDAT: the refusal is reported, never "sent"', async (t) => {
    const s = real(t);
    if (!s) return;
    const file = join(mkdtempSync(join(tmpdir(), 'mailsh-bdat-')), 'msg.eml');
    writeFileSync(file, 'Subject: refused\n\nbody\n');
    const r = await runQuiet([`smtp://127.0.0.1:${s.smtpPort}`, '--pipeline', '-e', 'EHLO client.test', '-e', 'MAIL FROM:<x@example.org>', '-e', 'RCPT TO:<someone@example.com>', '-e', `/send ${file}`, '-e', 'QUIT']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^C: BDAT \d+ LAST$/m);
    assert.doesNotMatch(r.stderr, /sent .*msg\.eml/);
    assert.match(r.stderr, /msg\.eml was not accepted: the server answered 554 /);
  });
});

