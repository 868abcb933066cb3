/**
 * `mailsh mx DOMAIN --tls` (issue 19): STARTTLS to each MX, the versions it
 * accepts, its certificate, DANE (TLSA with and without the AD bit) and
 * MTA-STS (a policy from a local HTTPS server: enforce matching, enforce
 * not matching, testing, unreachable), all through the DNS stub.
 */
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDnsStub, type DnsStub, type StubZone } from './support/dns-stub.js';
import { runInProcess } from './support/run-in-process.js';
import { smtpHandler, startScriptedServer, type ScriptedServer } from './support/scripted-server.js';
import { makeTlsLab, type TlsLab } from './support/tls-lab.js';

let lab: TlsLab;
let smtp: ScriptedServer;
let dns: DnsStub;
let web: https.Server;
let webAddress: string;

const POLICIES: Record<string, string> = {
  'mta-sts.example.test': 'version: STSv1\nmode: enforce\nmx: mx1.example.test\nmx: *.example.test\nmax_age: 86400\n',
  'mta-sts.nomatch.test': 'version: STSv1\nmode: enforce\nmx: mail.elsewhere.test\nmax_age: 86400\n',
  'mta-sts.testing.test': 'version: STSv1\nmode: testing\nmx: mail.elsewhere.test\nmax_age: 86400\n',
};

before(async () => {
  lab = await makeTlsLab();
  // The server sends its intermediate with the leaf.
  const chain = join(lab.dir, 'ec-chain.pem');
  writeFileSync(chain, readFileSync(lab.ec.cert, 'utf8') + readFileSync(lab.intermediate, 'utf8'));
  smtp = await startScriptedServer({ greeting: '220 mx ESMTP\r\n', onLine: smtpHandler(), starttlsCert: { cert: chain, key: lab.ec.key } });
  web = https.createServer({ cert: readFileSync(chain), key: readFileSync(lab.ec.key) }, (req, res) => {
    const policy = POLICIES[String(req.headers.host)];
    res.writeHead(policy ? 200 : 404, { 'content-type': 'text/plain' }).end(policy ?? 'no');
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  webAddress = `127.0.0.1:${(web.address() as AddressInfo).port}`;
  const leaf = new X509Certificate(readFileSync(lab.ec.cert));
  const spkiSha256 = createHash('sha256').update(leaf.publicKey.export({ type: 'spki', format: 'der' })).digest();
  const intSha256 = createHash('sha256').update(new X509Certificate(readFileSync(lab.intermediate)).raw).digest();
  const p = smtp.port;
  const zone: StubZone = {
    'example.test': { MX: [[10, 'mx1.example.test'], [20, 'mx2.example.test']] },
    'nomatch.test': { MX: [[10, 'mx1.example.test']] },
    'testing.test': { MX: [[10, 'mx1.example.test']] },
    'down.test': { MX: [[10, 'mx3.example.test']] },
    'mx1.example.test': { A: ['127.0.0.1'] },
    'mx2.example.test': { A: ['127.0.0.1'] },
    'mx3.example.test': { A: ['127.0.0.1'] },
    [`_${p}._tcp.mx1.example.test`]: { TLSA: [[3, 1, 1, spkiSha256]], ad: true },
    [`_${p}._tcp.mx2.example.test`]: { TLSA: [[3, 1, 1, Buffer.alloc(32, 7)], [2, 0, 1, intSha256]], ad: false },
    [`_${p}._tcp.mx3.example.test`]: { TLSA: [[3, 1, 1, Buffer.alloc(32, 7)]], ad: true },
    '_mta-sts.example.test': { TXT: ['v=STSv1; id=20240101'] },
    '_mta-sts.nomatch.test': { TXT: ['v=STSv1; id=1'] },
    '_mta-sts.testing.test': { TXT: ['v=STSv1; id=1'] },
    '_mta-sts.down.test': { TXT: ['v=STSv1; id=1'] },
    '_smtp._tls.example.test': { TXT: ['v=TLSRPTv1; rua=mailto:tlsrpt@example.test'] },
  };
  dns = await startDnsStub(zone);
});
after(async () => {
  await Promise.all([smtp?.close(), dns?.close(), new Promise((r) => web?.close(r))]);
});

const mx = (domain: string, ...extra: string[]) =>
  runInProcess(['mx', domain, '--tls', '--port', String(smtp.port), '--dns', dns.server, '--ca', lab.root, '--mta-sts-address', webAddress, ...extra]);

describe('mx --tls', () => {
  it('one line per MX in order: STARTTLS, versions, certificate, DANE by AD-validated TLSA, MTA-STS enforce matching; TLS-RPT shown', async () => {
    const r = await mx('example.test');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], 'MTA-STS   enforce, id 20240101, mx mx1.example.test *.example.test, max_age 86400');
    assert.equal(lines[1], 'TLS-RPT   v=TLSRPTv1; rua=mailto:tlsrpt@example.test');
    assert.match(lines[2], /^10 mx1\.example\.test \[127\.0\.0\.1\]: ok STARTTLS ok, TLS 1\.2 1\.3, certificate ok \((89|90) days left\), DANE ok, MTA-STS ok$/);
    // mx2's TLSA records come without the AD bit: ignored, a warning.
    assert.match(lines[3], /^20 mx2\.example\.test \[127\.0\.0\.1\]: warn .*DANE warn, MTA-STS ok$/);
    assert.equal(lines.length, 4);
  });

  it('-v: the details, with which TLSA record matched and why one was ignored', async () => {
    const r = await mx('example.test', '-v');
    assert.match(r.stdout, /^ {4}DANE {6}matched 3 1 1 [0-9a-f]{16}…$/m);
    assert.match(r.stdout, /^ {4}DANE {6}2 TLSA record\(s\) ignored: not DNSSEC-authenticated \(no AD bit\)$/m);
    assert.match(r.stdout, /^ {4}chain {5}3 certificates, complete/m);
    assert.match(r.stdout, /^ {4}MTA-STS {3}enforce: ok$/m);
  });

  it('enforce not matching fails (exit 1); testing not matching warns (exit 0)', async () => {
    const no = await mx('nomatch.test', '-v');
    assert.equal(no.code, 1, no.stdout + no.stderr);
    assert.match(no.stdout, /MTA-STS FAIL\n {4}TLS/);
    assert.match(no.stdout, /^ {4}MTA-STS {3}enforce: mx1\.example\.test matches no mx pattern \(mail\.elsewhere\.test\)$/m);
    const testing = await mx('testing.test', '-v');
    assert.equal(testing.code, 0, testing.stdout);
    assert.match(testing.stdout, /MTA-STS warn/);
    assert.match(testing.stdout, /testing: mx1\.example\.test matches no mx pattern/);
  });

  it('an unreachable policy host and a TLSA record that does not match both fail', async () => {
    const r = await runInProcess(['mx', 'down.test', '--tls', '--port', String(smtp.port), '--dns', dns.server, '--ca', lab.root, '--mta-sts-address', '127.0.0.1:1', '-v']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^MTA-STS {3}error: policy not fetched from https:\/\/mta-sts\.down\.test\/\.well-known\/mta-sts\.txt: connect ECONNREFUSED/m);
    assert.match(r.stdout, /DANE FAIL/);
    assert.match(r.stdout, /^ {4}DANE {6}no TLSA record matches the chain \(3 1 1 0707070707070707…\)$/m);
  });

  it('bad --port and a non-loopback --mta-sts-address are usage errors', async () => {
    const p = await runInProcess(['mx', 'example.test', '--tls', '--port', '0']);
    assert.equal(p.code, 2);
    assert.match(p.stderr, /^mailsh: --port needs a port number from 1 to 65535, not "0"$/m);
    const a = await runInProcess(['mx', 'example.test', '--tls', '--dns', dns.server, '--mta-sts-address', '192.0.2.1:443']);
    assert.equal(a.code, 2);
    assert.match(a.stderr, /^mailsh: --mta-sts-address needs a loopback IP:PORT \(for tests\), not "192\.0\.2\.1:443"$/m);
  });
});

describe('--dane on a connection', () => {
  it('verifies by the TLSA records instead of the CA store and says which matched; no match, or no AD bit, is a failure', async () => {
    const url = (host: string) => `smtp://${host}:${smtp.port}`;
    const ok = await runInProcess([url('mx1.example.test'), '--starttls', '--dns', dns.server, '--dane', '-e', '/tls']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, new RegExp(`certificate verified by DANE: TLSA 3 1 1 [0-9a-f]{16}… of _${smtp.port}\\._tcp\\.mx1\\.example\\.test`));
    assert.match(ok.stdout, /verified {2}ok by DANE: TLSA 3 1 1/);
    const bad = await runInProcess([url('mx3.example.test'), '--starttls', '--dns', dns.server, '--dane', '-e', 'NOOP']);
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, new RegExp(`^mailsh: mx3\\.example\\.test:${smtp.port}: DANE verification failed: no TLSA record of _${smtp.port}\\._tcp\\.mx3\\.example\\.test matches the chain \\(3 1 1 0707070707070707…\\) \\(use -k to connect anyway\\)$`, 'm'));
    const unsigned = await runInProcess([url('mx2.example.test'), '--starttls', '--dns', dns.server, '--dane', '-e', 'NOOP']);
    assert.equal(unsigned.code, 3);
    assert.match(unsigned.stderr, /DANE verification failed: the TLSA records of _\d+\._tcp\.mx2\.example\.test are not DNSSEC-authenticated \(no AD bit\)/);
  });
});
