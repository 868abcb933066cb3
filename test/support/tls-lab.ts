/**
 * A small PKI and `openssl s_server` for TLS report tests (issue 19): a root
 * CA, an intermediate, RSA and ECDSA leaves signed by the intermediate
 * (90 days, names localhost, 127.0.0.1, mx1/mx2.example.test and the
 * mta-sts hosts of the MTA-STS tests), and an
 * OCSP response for the RSA leaf made with `openssl ocsp`, signed by the
 * intermediate, for `-status_file`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KEY_ARGS, OPENSSL_CNF } from './certs.js';

const run = promisify(execFile);

export interface TlsLab {
  dir: string;
  root: string;
  intermediate: string;
  /** Root and intermediate in one file (a trust store that can complete a chain). */
  rootAndIntermediate: string;
  /** `ocsp`: signed by the issuer; `foreignOcsp`: signed by the root, which did not issue the leaf. */
  rsa: { cert: string; key: string; ocsp: string; foreignOcsp: string };
  ec: { cert: string; key: string };
}

/** The leaves' names: a CSR's subjectAltName, copied into the certificate (copy_extensions). */
const LEAF_SAN = 'subjectAltName=DNS:localhost, IP:127.0.0.1, DNS:mx1.example.test, DNS:mx2.example.test, DNS:mta-sts.example.test, DNS:mta-sts.nomatch.test, DNS:mta-sts.testing.test, DNS:mta-sts.down.test';

async function openssl(dir: string, args: string[]): Promise<void> {
  try {
    await run('openssl', args, { cwd: dir, env: { ...process.env, OPENSSL_CONF: join(dir, 'openssl.cnf') } });
  } catch (err) {
    throw new Error(`openssl ${args.join(' ')}: ${(err as { stderr?: string }).stderr ?? err}`);
  }
}

const dirs: string[] = [];
process.on('exit', () => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

export async function makeTlsLab(): Promise<TlsLab> {
  const dir = await mkdtemp(join(tmpdir(), 'mailsh-tlslab-'));
  dirs.push(dir);
  await writeFile(join(dir, 'openssl.cnf'), OPENSSL_CNF);
  await writeFile(join(dir, 'index.txt'), '');
  const cnf = ['-config', 'openssl.cnf'];
  await openssl(dir, ['req', ...cnf, '-x509', ...KEY_ARGS, '-keyout', 'root.key', '-out', 'root.pem', '-subj', '/CN=mailsh lab root', '-days', '3650', '-extensions', 'ca_ext']);
  await openssl(dir, ['req', ...cnf, '-new', ...KEY_ARGS, '-keyout', 'int.key', '-out', 'int.csr', '-subj', '/CN=mailsh lab intermediate']);
  await openssl(dir, ['ca', ...cnf, '-batch', '-notext', '-cert', 'root.pem', '-keyfile', 'root.key', '-in', 'int.csr', '-out', 'int.pem', '-extensions', 'ca_ext', '-days', '3000']);
  await openssl(dir, ['req', ...cnf, '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rsa.key', '-out', 'rsa.csr', '-subj', '/CN=mx1.example.test', '-addext', LEAF_SAN]);
  await openssl(dir, ['ca', ...cnf, '-batch', '-notext', '-cert', 'int.pem', '-keyfile', 'int.key', '-in', 'rsa.csr', '-out', 'rsa.pem', '-extensions', 'leaf_ext', '-days', '90']);
  await openssl(dir, ['req', ...cnf, '-new', ...KEY_ARGS, '-keyout', 'ec.key', '-out', 'ec.csr', '-subj', '/CN=mx1.example.test', '-addext', LEAF_SAN]);
  await openssl(dir, ['ca', ...cnf, '-batch', '-notext', '-cert', 'int.pem', '-keyfile', 'int.key', '-in', 'ec.csr', '-out', 'ec.pem', '-extensions', 'leaf_ext', '-days', '90']);
  // A local responder: the request for rsa.pem answered from index.txt, signed by the issuer.
  await openssl(dir, ['ocsp', '-index', 'index.txt', '-rsigner', 'int.pem', '-rkey', 'int.key', '-CA', 'int.pem', '-issuer', 'int.pem', '-cert', 'rsa.pem', '-respout', 'rsa.ocsp', '-ndays', '7', '-noverify']);
  await openssl(dir, ['ocsp', '-index', 'index.txt', '-rsigner', 'root.pem', '-rkey', 'root.key', '-CA', 'int.pem', '-issuer', 'int.pem', '-cert', 'rsa.pem', '-respout', 'rsa-foreign.ocsp', '-ndays', '7', '-noverify']);
  const [root, int] = await Promise.all(['root.pem', 'int.pem'].map((f) => readFile(join(dir, f), 'utf8')));
  await writeFile(join(dir, 'root+int.pem'), root + int);
  return {
    dir,
    root: join(dir, 'root.pem'),
    intermediate: join(dir, 'int.pem'),
    rootAndIntermediate: join(dir, 'root+int.pem'),
    rsa: { cert: join(dir, 'rsa.pem'), key: join(dir, 'rsa.key'), ocsp: join(dir, 'rsa.ocsp'), foreignOcsp: join(dir, 'rsa-foreign.ocsp') },
    ec: { cert: join(dir, 'ec.pem'), key: join(dir, 'ec.key') },
  };
}

export interface SServer {
  port: number;
  close(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** `openssl s_server` on 127.0.0.1 with `args` (certificate, versions, …), once it accepts. */
export async function startSServer(args: string[]): Promise<SServer> {
  const port = await freePort();
  const child: ChildProcess = spawn('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-quiet', ...args], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  for (let i = 0; ; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) break;
    if (i > 100 || child.exitCode !== null) throw new Error(`openssl s_server did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    close: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill();
    }),
  };
}
