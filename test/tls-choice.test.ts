/**
 * Choosing the handshake (issue 19): --tls-min/--tls-max, --ciphers,
 * --groups, --alpn on the command line and /tls set|try at the prompt,
 * against openssl s_server, Node TLS servers and the real Postfix/Dovecot.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getTestCerts, type TestCerts } from './support/certs.js';
import { useRealServers } from './support/real-fixture.js';
import { runInProcess } from './support/run-in-process.js';
import { smtpHandler, startScriptedServer, type ScriptedServer } from './support/scripted-server.js';
import { makeTlsLab, startSServer, type SServer, type TlsLab } from './support/tls-lab.js';

const real = useRealServers();
let lab: TlsLab;
let certs: TestCerts;
const closers: (() => Promise<void>)[] = [];
before(async () => {
  [lab, certs] = await Promise.all([makeTlsLab(), getTestCerts()]);
});
after(() => Promise.all(closers.map((c) => c())));

async function sserver(args: string[]): Promise<SServer> {
  const s = await startSServer(['-cert', lab.ec.cert, '-key', lab.ec.key, '-cert_chain', lab.intermediate, ...args]);
  closers.push(s.close);
  return s;
}

async function scripted(opts: Parameters<typeof startScriptedServer>[0]): Promise<ScriptedServer> {
  const s = await startScriptedServer(opts);
  closers.push(s.close);
  return s;
}

describe('TLS choice: bad values are one-line usage errors naming the valid ones', () => {
  const cases: [string[], RegExp][] = [
    [['--tls-max', '1.4'], /^mailsh: --tls-max must be one of 1\.0, 1\.1, 1\.2, 1\.3, not "1\.4"$/m],
    [['--tls-min', 'ssl3'], /^mailsh: --tls-min must be one of 1\.0, 1\.1, 1\.2, 1\.3, not "ssl3"$/m],
    [['--tls-min', '1.3', '--tls-max', '1.2'], /^mailsh: --tls-min 1\.3 is above --tls-max 1\.2$/m],
    [['--ciphers', 'ECDHE-RSA-AES128-GCM-SHA256:NOPE'], /^mailsh: --ciphers: unknown cipher suite "NOPE"; valid: .*ECDHE-RSA-AES128-GCM-SHA256 .*TLS_AES_128_GCM_SHA256/],
    [['--groups', 'X25519,P-999'], /^mailsh: --groups: unknown group "P-999"; valid: X25519 X448 P-256 P-384 P-521/],
    [['--alpn', 'smtp,,imap'], /^mailsh: --alpn needs comma-separated protocol names/],
  ];
  for (const [args, want] of cases) {
    it(args.join(' '), async () => {
      const r = await runInProcess(['tls://127.0.0.1:1', ...args, '-e', 'x']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, want);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    });
  }

  it('/tls set and /tls try with a bad value: the same one-line error', async () => {
    const s = await scripted({ greeting: '220 hi\r\n', onLine: smtpHandler(), tlsCert: certs.good });
    for (const line of ['/tls set --tls-max 2', '/tls try --groups nope']) {
      const r = await runInProcess([`smtps://127.0.0.1:${s.port}`, '--ca', certs.caCert, '-e', line]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /--tls-max must be one of 1\.0, 1\.1, 1\.2, 1\.3, not "2"|--groups: unknown group "nope"; valid: X25519/);
    }
  });
});

describe('TLS choice: against openssl s_server', () => {
  it('a server with only TLS 1.2: the default gets 1.2; --tls-min 1.3 is refused by the server, said so', async () => {
    const s = await sserver(['-tls1_2']);
    const ok = await runInProcess([`tls://127.0.0.1:${s.port}`, '--ca', lab.root, '--sni', 'localhost', '-e', '/tls']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /protocol {2}TLSv1\.2/);
    const no = await runInProcess([`tls://127.0.0.1:${s.port}`, '--ca', lab.root, '--tls-min', '1.3', '-e', '/tls']);
    assert.equal(no.code, 3);
    assert.match(no.stderr, /^mailsh: 127\.0\.0\.1:\d+: TLS handshake failed: the server refused: no TLS version in common \(mailsh offered TLS 1\.3–1\.3\)$/m);
  });

  it('--ciphers: a TLS 1.2 suite the server has is used; one it lacks is refused by the server', async () => {
    const s = await sserver(['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305']);
    const ok = await runInProcess([`tls://127.0.0.1:${s.port}`, '--ca', lab.root, '--ciphers', 'ECDHE-ECDSA-CHACHA20-POLY1305', '-e', '/tls']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /cipher {4}TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256/);
    const no = await runInProcess([`tls://127.0.0.1:${s.port}`, '--ca', lab.root, '--ciphers', 'ECDHE-ECDSA-AES256-GCM-SHA384', '-e', '/tls']);
    assert.equal(no.code, 3);
    assert.match(no.stderr, /the server refused: no cipher suite or group in common \(mailsh offered ciphers ECDHE-ECDSA-AES256-GCM-SHA384\)/);
  });

  it('--ciphers with a TLS 1.3 suite, --groups and --alpn are what the handshake used', async () => {
    const s = await sserver(['-alpn', 'smtp', '-groups', 'P-256:X25519']);
    const r = await runInProcess([`tls://127.0.0.1:${s.port}`, '--ca', lab.root, '--ciphers', 'TLS_CHACHA20_POLY1305_SHA256', '--groups', 'P-256', '--alpn', 'imap,smtp', '-e', '/tls']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /protocol {2}TLSv1\.3\ncipher {4}TLS_CHACHA20_POLY1305_SHA256\nkey exch {2}P-256\nALPN {6}smtp/);
    assert.match(r.stderr, /TLS TLSv1\.3 TLS_CHACHA20_POLY1305_SHA256, P-256, ALPN smtp, certificate verified/);
  });

  it('TLS 1.0 only when asked: the security level is lowered and the note says so', async () => {
    const s = await sserver(['-tls1', '-cipher', 'DEFAULT:@SECLEVEL=0']);
    const no = await runInProcess([`tls://127.0.0.1:${s.port}`, '--ca', lab.root, '-e', '/tls']);
    assert.equal(no.code, 3);
    assert.match(no.stderr, /TLS handshake failed: no TLS version in common/);
    const ok = await runInProcess([`tls://127.0.0.1:${s.port}`, '--ca', lab.root, '--tls-min', '1.0', '-e', '/tls']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /TLS 1\.0\/1\.1 allowed as asked: OpenSSL security level lowered to 0/);
    assert.match(ok.stdout, /protocol {2}TLSv1\n/);
  });
});

describe('TLS choice at the prompt', () => {
  it('/tls try compares handshakes on fresh connections; /tls set changes the next STARTTLS', async () => {
    const s = await scripted({ greeting: '220 hi\r\n', onLine: smtpHandler(), starttlsCert: certs.good, tlsOptions: { maxVersion: 'TLSv1.2' } });
    const r = await runInProcess([`smtp://127.0.0.1:${s.port}`, '--ca', certs.caCert, '--sni', 'localhost', '-e', 'EHLO me', '-e', '/tls try --tls-max 1.2 --ciphers ECDHE-ECDSA-AES256-GCM-SHA384', '-e', '/tls set --tls-max 1.2 --ciphers ECDHE-ECDSA-AES128-GCM-SHA256', '-e', 'STARTTLS', '-e', '/tls']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /TLS TLSv1\.2 TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, X25519, certificate verified/);
    assert.match(r.stdout, /next handshake offers: TLS 1\.2–1\.2, ciphers ECDHE-ECDSA-AES128-GCM-SHA256/);
    assert.match(r.stdout, /cipher {4}TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256/);
    // The probes did not disturb the session: one STARTTLS on its own connection.
    assert.equal(s.conns.filter((c) => c.received().toString().includes('STARTTLS')).length, 2);
    const no = await runInProcess([`smtp://127.0.0.1:${s.port}`, '--ca', certs.caCert, '--sni', 'localhost', '-e', '/tls try --tls-min 1.3']);
    assert.equal(no.code, 3);
    assert.match(no.stderr, /the server refused: no TLS version in common \(mailsh offered TLS 1\.3–1\.3\)/);
  });
});

describe('TLS choice: real Postfix and Dovecot', () => {
  it('Postfix submission STARTTLS with --tls-max 1.2, a cipher list and ALPN (not agreed: Postfix has none)', async (t) => {
    const s = real(t);
    if (!s) return;
    const r = await runInProcess([`smtp://127.0.0.1:${s.submissionPort}`, '--starttls', '--ca', s.caFile, '--sni', 'localhost', '--tls-max', '1.2', '--ciphers', 'ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384', '--alpn', 'smtp', '-e', '/tls']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /protocol {2}TLSv1\.2\ncipher {4}TLS_ECDHE_(ECDSA|RSA)_WITH_AES_256_GCM_SHA384/);
    assert.match(r.stdout, /ALPN {6}none/);
    assert.doesNotMatch(r.stderr, /!!/);
  });

  it('Dovecot IMAPS with --tls-max 1.2, a cipher list and ALPN', async (t) => {
    const s = real(t);
    if (!s) return;
    const r = await runInProcess([`imaps://127.0.0.1:${s.imapsPort}`, '--ca', s.caFile, '--sni', 'localhost', '--tls-max', '1.2', '--ciphers', 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256', '--alpn', 'imap', '-e', '/tls']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /protocol {2}TLSv1\.2\ncipher {4}TLS_ECDHE_(ECDSA|RSA)_WITH_AES_128_GCM_SHA256/);
  });
});
