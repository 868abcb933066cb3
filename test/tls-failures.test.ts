/**
 * TLS failure modes with one-line reasons (issue 7). Expired, wrong-host,
 * self-signed and unknown-CA certificates at connect are in
 * cli-loopback.test.ts; here are the rest, and the same failures after
 * `--starttls`, where they used to read "the server refused STARTTLS".
 * mailsh runs in-process (test/support/run-in-process.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertSane } from './support/assert-sane.js';
import { getTestCerts, type CertPair, type TestCerts } from './support/certs.js';
import { runInProcess } from './support/run-in-process.js';
import { smtpHandler, startScriptedServer, type ScriptedOptions, type ScriptedServer } from './support/scripted-server.js';

const servers: ScriptedServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

let certs: TestCerts;
before(async () => {
  certs = await getTestCerts();
});

interface TlsCase {
  name: string;
  cert: (c: TestCerts) => CertPair;
  tlsOptions?: ScriptedOptions['tlsOptions'];
  /** Trust the test CA (else only the system's CAs). */
  trustCa?: boolean;
  reason: RegExp;
  /** Whether -k gets past it (certificate problems only). */
  insecureHelps: boolean;
}

const CASES: TlsCase[] = [
  { name: 'a certificate not yet valid', cert: (c) => c.notYetValid, trustCa: true, reason: /TLS certificate verification failed: the server certificate is not yet valid \(until 2090-01-01 00:00 UTC\) \(use -k to connect anyway\)/, insecureHelps: true },
  { name: 'an expired certificate', cert: (c) => c.expired, trustCa: true, reason: /the server certificate has expired/, insecureHelps: true },
  { name: 'a certificate for another host', cert: (c) => c.wronghost, trustCa: true, reason: /host name mismatch/, insecureHelps: true },
  { name: 'a self-signed certificate', cert: (c) => c.selfSigned, trustCa: true, reason: /self-signed/, insecureHelps: true },
  { name: 'an unknown CA', cert: (c) => c.good, reason: /unknown CA/, insecureHelps: true },
  {
    name: 'no TLS version in common (the server offers only TLS 1.0/1.1)',
    cert: (c) => c.good,
    tlsOptions: { minVersion: 'TLSv1', maxVersion: 'TLSv1.1' },
    trustCa: true,
    reason: /TLS handshake failed: no TLS version in common/,
    insecureHelps: false,
  },
  {
    name: 'no cipher suite in common',
    cert: (c) => c.good,
    // A PSK-only suite: a client without a pre-shared key never offers it.
    tlsOptions: { maxVersion: 'TLSv1.2', ciphers: 'PSK-AES128-CBC-SHA' },
    trustCa: true,
    reason: /TLS handshake failed: the server refused the handshake: no cipher suite \(or TLS version\) in common/,
    insecureHelps: false,
  },
];

describe('TLS failure modes', () => {
  for (const c of CASES) {
    for (const mode of ['implicit TLS', '--starttls'] as const) {
      it(`${c.name} (${mode}): exit 3 with one line`, async () => {
        const implicit = mode === 'implicit TLS';
        const s = await startScriptedServer({
          greeting: '220 hi\r\n',
          onLine: smtpHandler(),
          tlsCert: implicit ? c.cert(certs) : undefined,
          starttlsCert: c.cert(certs),
          tlsOptions: c.tlsOptions,
        });
        servers.push(s);
        const target = implicit ? `smtps://127.0.0.1:${s.port}` : `submission://127.0.0.1:${s.port}`;
        const ca = c.trustCa ? ['--ca', certs.caCert] : [];
        const r = await runInProcess([target, ...ca, '--timeout', '5', '-e', 'NOOP']);
        assertSane(r, 3, c.name);
        assert.match(r.stderr, c.reason);
        assert.doesNotMatch(r.stderr, /refused STARTTLS/);
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
        assert.match(r.stderr, new RegExp(`^mailsh: 127\\.0\\.0\\.1:${s.port}: TLS `));
        const k = await runInProcess([target, ...ca, '-k', '--timeout', '5', '-e', 'NOOP']);
        if (c.insecureHelps) {
          assertSane(k, 0, `${c.name} with -k`);
          assert.match(k.stderr, /certificate NOT verified/);
        } else {
          assertSane(k, 3, `${c.name} with -k`);
          assert.match(k.stderr, c.reason);
        }
      });
    }
  }
});

describe('TLS on a plaintext port, protocol left to the greeting', () => {
  it('a silent TLS server: line mode, with the hint to try --tls', async () => {
    const s = await startScriptedServer({ greeting: '220 hi\r\n', onLine: () => undefined, tlsCert: certs.good });
    servers.push(s);
    const r = await runInProcess([`127.0.0.1:${s.port}`, '--timeout', '0.5']);
    assertSane(r, 0, 'auto');
    assert.match(r.stderr, /^== no greeting: line mode \(a port that expects TLS first\? try --tls\)$/m);
  });
});
