/**
 * Seeing the TLS session (issue 19): /tls and the connect note show the key
 * exchange, every certificate of the chain, whether it was complete, OCSP
 * stapling; --showcerts and /tls save give the chain as PEM; transcripts
 * keep it as `==` records (jsonl: fields). Servers: openssl s_server.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runInProcess } from './support/run-in-process.js';
import { makeTlsLab, startSServer, type SServer, type TlsLab } from './support/tls-lab.js';

let lab: TlsLab;
const closers: (() => Promise<void>)[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'mailsh-tlsreport-'));
before(async () => {
  lab = await makeTlsLab();
});
after(() => Promise.all(closers.map((c) => c())));

async function sserver(args: string[]): Promise<SServer> {
  const s = await startSServer(args);
  closers.push(s.close);
  return s;
}

describe('/tls: the whole chain', () => {
  it('RSA leaf with its intermediate: key, signature, days left, fingerprints, pin-sha256, a complete chain', async () => {
    const s = await sserver(['-cert', lab.rsa.cert, '-key', lab.rsa.key, '-cert_chain', lab.intermediate]);
    const r = await runInProcess([`tls://127.0.0.1:${s.port}`, '--ca', lab.root, '--sni', 'mx1.example.test', '-e', '/tls']);
    assert.equal(r.code, 0, r.stderr);
    const leaf = new X509Certificate(readFileSync(lab.rsa.cert));
    const pin = (await import('node:crypto')).createHash('sha256').update(leaf.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
    assert.match(r.stdout, /key exch {2}X25519/);
    assert.match(r.stdout, /verified {2}ok: the chain ends at the trusted "CN=mailsh lab root" and the certificate names mx1\.example\.test/);
    assert.match(r.stdout, /chain {5}3 certificates, complete up to "CN=mailsh lab root" \(a trust anchor\)/);
    assert.match(r.stdout, /cert 0 {4}leaf\n {2}subject {3}CN=mx1\.example\.test\n {2}SANs {6}DNS:localhost, IP Address:127\.0\.0\.1, DNS:mx1\.example\.test/);
    assert.match(r.stdout, /\((89|90) days left\)\n {2}key {7}RSA 2048, signed with ecdsa-with-SHA256/);
    assert.ok(r.stdout.includes(`sha256    ${leaf.fingerprint256}`));
    assert.ok(r.stdout.includes(`pin       pin-sha256:${pin}`));
    assert.match(r.stdout, /cert 1 {4}intermediate\n {2}subject {3}CN=mailsh lab intermediate\n/);
    assert.match(r.stdout, /cert 2 {4}root\n/);
    assert.match(r.stderr, /TLS TLSv1\.3 \S+, X25519, certificate verified \(CN=mx1\.example\.test, (89|90) days left\)/);
  });

  it('ECDSA leaf: EC P-256', async () => {
    const s = await sserver(['-cert', lab.ec.cert, '-key', lab.ec.key, '-cert_chain', lab.intermediate]);
    const r = await runInProcess([`tls://127.0.0.1:${s.port}`, '--ca', lab.root, '-e', '/tls']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /cert 0 {4}leaf\n(.*\n){4} {2}key {7}EC P-256, signed with ecdsa-with-SHA256/);
  });

  it('an incomplete chain: verification fails and says why; with the intermediate in the trust store it is called out', async () => {
    const s = await sserver(['-cert', lab.ec.cert, '-key', lab.ec.key]);
    const no = await runInProcess([`tls://127.0.0.1:${s.port}`, '--ca', lab.root, '-e', '/tls']);
    assert.equal(no.code, 3);
    assert.match(no.stderr, /TLS certificate verification failed: the server certificate was issued by an unknown CA/);
    const k = await runInProcess([`tls://127.0.0.1:${s.port}`, '--ca', lab.root, '-k', '-e', '/tls']);
    assert.equal(k.code, 0, k.stderr);
    assert.match(k.stdout, /chain {5}1 certificate, incomplete: it ends at "CN=mx1\.example\.test", whose issuer "CN=mailsh lab intermediate" the server did not send and mailsh does not have/);
    assert.match(k.stderr, /certificate NOT verified: .*chain incomplete/);
    const store = await runInProcess([`tls://127.0.0.1:${s.port}`, '--ca', lab.rootAndIntermediate, '-e', '/tls']);
    assert.equal(store.code, 0, store.stderr);
    assert.match(store.stdout, /chain {5}3 certificates, complete only with the trust store's copy of "CN=mailsh lab intermediate" \(the server may not have sent it\)/);
  });
});

describe('OCSP stapling (--ocsp)', () => {
  it('a stapled response: good, its times, and verified against the issuer', async () => {
    const s = await sserver(['-cert', lab.rsa.cert, '-key', lab.rsa.key, '-cert_chain', lab.intermediate, '-status_file', lab.rsa.ocsp]);
    const r = await runInProcess([`tls://127.0.0.1:${s.port}`, '--ca', lab.root, '--ocsp', '-e', '/tls']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /OCSP {6}stapled: good\n {2}updated {3}\d{4}-\d\d-\d\dT[\d:.]+Z, next \d{4}-/);
    assert.match(r.stdout, /check {5}signature verified: signed by the issuer/);
  });

  it('no response stapled, and none asked for', async () => {
    const s = await sserver(['-cert', lab.rsa.cert, '-key', lab.rsa.key, '-cert_chain', lab.intermediate]);
    const asked = await runInProcess([`tls://127.0.0.1:${s.port}`, '--ca', lab.root, '--ocsp', '-e', '/tls']);
    assert.match(asked.stdout, /OCSP {6}no response stapled/);
    const not = await runInProcess([`tls://127.0.0.1:${s.port}`, '--ca', lab.root, '-e', '/tls']);
    assert.doesNotMatch(not.stdout, /OCSP/);
  });

  it('a response signed by someone the issuer did not certify does not verify', async () => {
    const s = await sserver(['-cert', lab.rsa.cert, '-key', lab.rsa.key, '-cert_chain', lab.intermediate, '-status_file', lab.rsa.foreignOcsp]);
    const r = await runInProcess([`tls://127.0.0.1:${s.port}`, '--ca', lab.root, '--ocsp', '-e', '/tls']);
    assert.match(r.stdout, /OCSP {6}stapled: good\n.*\n {2}check {5}NOT verified: the responder certificate is not signed by the issuer/);
  });

  it('without the issuer in the chain a response cannot be verified', async () => {
    const s = await sserver(['-cert', lab.rsa.cert, '-key', lab.rsa.key, '-status_file', lab.rsa.ocsp]);
    const r = await runInProcess([`tls://127.0.0.1:${s.port}`, '--ca', lab.root, '-k', '--ocsp', '-e', '/tls']);
    assert.match(r.stdout, /OCSP {6}stapled: good\n.*\n {2}check {5}not verified: the issuer certificate is not in the chain/);
  });
});

describe('the chain as PEM, and in transcripts', () => {
  it('--showcerts prints it, /tls save writes it; the text transcript has == records, jsonl a tls field', async () => {
    const s = await sserver(['-cert', lab.rsa.cert, '-key', lab.rsa.key, '-cert_chain', lab.intermediate]);
    const file = join(tmp, 'chain.pem');
    const log = join(tmp, 't.log');
    const r = await runInProcess([`tls://127.0.0.1:${s.port}`, '--ca', lab.root, '--showcerts', '--log', log, '-e', `/tls save ${file}`, '-e', '/tls']);
    assert.equal(r.code, 0, r.stderr);
    const leafPem = readFileSync(lab.rsa.cert, 'utf8').trim();
    assert.ok(r.stdout.includes(leafPem), 'the leaf PEM on stdout');
    assert.ok(r.stdout.includes(readFileSync(lab.intermediate, 'utf8').trim()), 'the intermediate PEM on stdout');
    assert.match(r.stdout, /3 certificates written to /);
    assert.ok(readFileSync(file, 'utf8').startsWith(leafPem));
    const text = readFileSync(log, 'utf8');
    assert.match(text, / == tls TLSv1\.3 \S+ verify=ok subject=CN=mx1\.example\.test key=X25519 alpn=none days=(89|90)\n/);
    assert.match(text, / == \/tls chain {5}3 certificates, complete/);
    assert.match(text, / == \/tls {3}pin {7}pin-sha256:/);
    const jlog = join(tmp, 't.jsonl');
    await runInProcess([`tls://127.0.0.1:${s.port}`, '--ca', lab.root, '--log', jlog, '--log-format', 'jsonl', '-e', '/tls']);
    const records = readFileSync(jlog, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const report = records.find((x) => x.dir === '==' && String(x.data).startsWith('/tls protocol'));
    assert.equal(report.tls.keyExchange, 'X25519');
    assert.equal(report.tls.chain.length, 3);
    assert.equal(report.tls.chain[0].key, 'RSA 2048');
    assert.equal(report.tls.chainComplete, true);
    assert.ok(records.some((x) => x.dir === '==' && String(x.data).startsWith('tls ') && x.tls.chain[0].subject === 'CN=mx1.example.test'));
  });
});
