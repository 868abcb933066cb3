/**
 * Throwaway X.509 material for TLS tests, made with the `openssl` CLI.
 *
 * One test CA signs the server certificates, so a test can trust exactly
 * that CA (`tls.connect({ ca })`) and check how each broken certificate is
 * reported. EC P-256 keys keep the whole set under ~100 ms.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PEM file paths of one certificate and its unencrypted private key. */
export interface CertPair {
  cert: string;
  key: string;
}

export interface TestCerts {
  /** Temp directory holding every file below; removed at process exit. */
  dir: string;
  /** Self-signed test CA ("mailsh test CA"). */
  caCert: string;
  caKey: string;
  /** CN=localhost, SAN DNS:localhost + IP:127.0.0.1, signed by the CA. */
  good: CertPair;
  /** Same names, signed by the CA, valid 2000-01-01 .. 2001-01-01 only. */
  expired: CertPair;
  /** Same names, signed by the CA, valid only from 2090-01-01. */
  notYetValid: CertPair;
  /** CN/SAN wrong.example (no localhost, no 127.0.0.1), signed by the CA. */
  wronghost: CertPair;
  /** CN=localhost, SAN localhost/127.0.0.1, signed by its own key. */
  selfSigned: CertPair;
}

const LOCAL_SAN = 'subjectAltName=DNS:localhost,IP:127.0.0.1';
export const KEY_ARGS = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/*
 * Our own config so the system openssl.cnf (whose x509_extensions mark
 * every `req -x509` cert as a CA) cannot leak into the leaf certificates.
 * The [ca] part serves `openssl ca`, the only OpenSSL 3.0 command that
 * accepts explicit validity dates (-startdate/-enddate) and the one a chain
 * with an intermediate is signed with (tls-lab.ts).
 */
export const OPENSSL_CNF = `
[req]
distinguished_name = dn
[dn]
[ca_ext]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[leaf_ext]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
# No basicConstraints/keyUsage: lets a test pin this cert as its own trust anchor.
[self_ext]
subjectKeyIdentifier = hash
[ca]
default_ca = test_ca
[test_ca]
database = index.txt
new_certs_dir = .
rand_serial = yes
default_md = sha256
policy = any_policy
# Take the subjectAltName from the CSR.
copy_extensions = copy
unique_subject = no
[any_policy]
commonName = supplied
`;

const madeDirs = new Set<string>();
process.on('exit', () => {
  for (const dir of madeDirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs `openssl <args>` in `dir` with our config; rejects with its stderr. */
async function openssl(dir: string, args: string[]): Promise<void> {
  const cmd = args[0] ?? '';
  const withConfig = [cmd, '-config', 'openssl.cnf', ...args.slice(1)];
  try {
    await run('openssl', withConfig, { cwd: dir });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl ${withConfig.join(' ')} failed: ${stderr.trim()}`);
  }
}

function pair(dir: string, name: string): CertPair {
  return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
}

/** A new certificate for `subject`/`san` signed by the test CA in `dir`. */
async function caSigned(dir: string, name: string, subject: string, san: string): Promise<void> {
  await openssl(dir, [
    'req', '-x509', ...KEY_ARGS, '-keyout', `${name}.key`, '-out', `${name}.pem`,
    '-subj', subject, '-days', '3650', '-extensions', 'leaf_ext', '-addext', san,
    '-CA', 'ca.pem', '-CAkey', 'ca.key',
  ]);
}

/** Signed by the test CA, valid only from `start` to `end` (ASN.1 times). */
async function dated(dir: string, name: string, start: string, end: string): Promise<void> {
  await openssl(dir, [
    'req', '-new', ...KEY_ARGS, '-keyout', `${name}.key`, '-out', `${name}.csr`,
    '-subj', '/CN=localhost', '-addext', LOCAL_SAN,
  ]);
  await openssl(dir, [
    'ca', '-batch', '-notext', '-cert', 'ca.pem', '-keyfile', 'ca.key',
    '-in', `${name}.csr`, '-out', `${name}.pem`, '-extensions', 'leaf_ext',
    '-startdate', start, '-enddate', end,
  ]);
}

/** Generates a fresh CA and server certificates in a new temp directory. */
export async function makeTestCerts(): Promise<TestCerts> {
  const dir = await mkdtemp(join(tmpdir(), 'mailsh-certs-'));
  madeDirs.add(dir);
  await writeFile(join(dir, 'openssl.cnf'), OPENSSL_CNF);
  await writeFile(join(dir, 'index.txt'), '');
  const selfSigned = openssl(dir, [
    'req', '-x509', ...KEY_ARGS, '-keyout', 'selfsigned.key', '-out', 'selfsigned.pem',
    '-subj', '/CN=localhost', '-days', '3650', '-extensions', 'self_ext', '-addext', LOCAL_SAN,
  ]);
  await openssl(dir, [
    'req', '-x509', ...KEY_ARGS, '-keyout', 'ca.key', '-out', 'ca.pem',
    '-subj', '/CN=mailsh test CA', '-days', '3650', '-extensions', 'ca_ext',
  ]);
  await Promise.all([
    selfSigned,
    caSigned(dir, 'good', '/CN=localhost', LOCAL_SAN),
    caSigned(dir, 'wronghost', '/CN=wrong.example', 'subjectAltName=DNS:wrong.example'),
    // One after the other: `openssl ca` updates its database file in place.
    dated(dir, 'expired', '20000101000000Z', '20010101000000Z').then(() => dated(dir, 'notyetvalid', '20900101000000Z', '20910101000000Z')),
  ]);
  return {
    dir,
    caCert: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca.key'),
    good: pair(dir, 'good'),
    expired: pair(dir, 'expired'),
    notYetValid: pair(dir, 'notyetvalid'),
    wronghost: pair(dir, 'wronghost'),
    selfSigned: pair(dir, 'selfsigned'),
  };
}

let cached: Promise<TestCerts> | undefined;

/** Like makeTestCerts, but generated once per process and shared. */
export function getTestCerts(): Promise<TestCerts> {
  if (!cached) {
    cached = makeTestCerts();
    // A failed attempt must not poison later callers.
    cached.catch(() => { cached = undefined; });
  }
  return cached;
}
