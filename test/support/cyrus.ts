/**
 * A real Cyrus IMAP 3.6 (imapd, pop3d, timsieved, lmtpd under one master) on
 * 127.0.0.1 high ports, beside the suite's Dovecot (issue 17). Debian's
 * cyrus-imapd conflicts with dovecot-imapd, so its packages are fetched with
 * `apt-get download` into a cache directory and unpacked with `dpkg -x`;
 * the daemons run from there with a throwaway imapd.conf/cyrus.conf in a
 * temp directory and are stopped by PID. Users live in a sasldb of their own,
 * with plain passwords, so every mechanism Cyrus offers works.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { getTestCerts } from './certs.js';
import { installSafetyNet, spawnDaemon, stopDaemon, systemAccount, waitForGreeting, type RealUser } from './real-servers.js';

const run = promisify(execFile);

export interface CyrusServers {
  host: '127.0.0.1';
  /** IMAP (STARTTLS offered, LOGIN refused before it), POP3 (STLS), ManageSieve (STARTTLS), LMTP (no TLS). */
  imapPort: number;
  pop3Port: number;
  sievePort: number;
  lmtpPort: number;
  /** alice and bob (`NAME-secret`); mailboxes are made at the first login or delivery. */
  users: RealUser[];
  /** PEM of the CA that signed the certificate (CN localhost, SAN 127.0.0.1). */
  caFile: string;
  /** SASL mechanisms offered (sasl_mech_list). */
  mechanisms: readonly string[];
  stop(): Promise<void>;
}

const VERSION = '3.6';
// Not under /root (mode 0700): the daemons run as RUN_AS and must reach their binaries.
const CACHE = join(process.env['MAILSH_TEST_CACHE'] ?? join(tmpdir(), 'mailsh-test-cache'), `cyrus-${VERSION}`);
/** The daemons and saslpasswd2, and the libraries a plain Debian 12 with Postfix and Dovecot lacks. */
const PACKAGES = ['cyrus-common', 'cyrus-imapd', 'cyrus-pop3d', 'sasl2-bin', 'libclamav12', 'libical3', 'libpcre3', 'libzephyr4', 'libmspack0'];
const BIN = join(CACHE, 'usr/lib/cyrus/bin');
const SASLPASSWD = join(CACHE, 'usr/sbin/saslpasswd2');
const LIBRARY_PATH = [join(CACHE, 'usr/lib/x86_64-linux-gnu'), join(CACHE, 'lib/x86_64-linux-gnu')].join(':');
const MECHANISMS = ['PLAIN', 'LOGIN', 'CRAM-MD5', 'SCRAM-SHA-1', 'SCRAM-SHA-256'] as const;
const USERS: readonly RealUser[] = ['alice', 'bob'].map((name) => ({ name, password: `${name}-secret`, address: `${name}@localhost` }));
/** Cyrus drops root for this account (cyrus_user). */
const RUN_AS = 'mail';
const SERVICES = ['imapd', 'pop3d', 'timsieved', 'lmtpd', 'master'] as const;

/** Why Cyrus cannot run here before any download, or undefined. */
export function cyrusUnavailable(): string | undefined {
  if (process.env['MAILSH_SKIP_REAL_SERVERS']) return 'MAILSH_SKIP_REAL_SERVERS is set';
  if (process.platform !== 'linux' || process.arch !== 'x64') return `needs Linux on x64, not ${process.platform}/${process.arch}`;
  if (process.getuid?.() !== 0) return 'needs root (Cyrus master drops privileges itself)';
  if (systemAccount(RUN_AS) === undefined) return `missing system account ${RUN_AS}`;
  if (!existsSync(join(CACHE, '.complete')) && spawnSync('apt-get', ['--version']).status !== 0) return 'apt-get not found (needed to download Cyrus)';
  return undefined;
}

/** Whether a Debian package is installed on the system (then it need not be unpacked). */
function installed(pkg: string): boolean {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

/**
 * Downloads and unpacks the packages once into CACHE; parallel test files
 * each unpack into a directory of their own and the first rename wins.
 * Rejects with a reason to skip when the download or a library fails.
 */
export async function fetchCyrus(): Promise<void> {
  if (existsSync(join(CACHE, '.complete'))) return;
  const work = await mkdtemp(`${CACHE}.tmp-`).catch(async () => {
    await mkdir(join(CACHE, '..'), { recursive: true });
    return mkdtemp(`${CACHE}.tmp-`);
  });
  try {
    const debs = join(work, 'debs');
    const root = join(work, 'root');
    await mkdir(debs);
    const wanted = PACKAGES.filter((pkg) => pkg.startsWith('cyrus') || pkg === 'sasl2-bin' || !installed(pkg));
    try {
      await run('apt-get', ['download', ...wanted], { cwd: debs });
    } catch (err) {
      throw new Error(`could not download ${wanted.join(' ')}: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`);
    }
    for (const deb of await readdir(debs)) await run('dpkg', ['-x', join(debs, deb), root]);
    await writeFile(join(root, '.complete'), `${wanted.join('\n')}\n`);
    await rename(root, CACHE).catch(() => undefined); // another test file was first
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Libraries the unpacked binaries still miss (then the test is skipped, naming them). */
function missingLibraries(): string[] {
  const missing = new Set<string>();
  for (const binary of [...SERVICES.map((s) => join(BIN, s)), SASLPASSWD]) {
    const r = spawnSync('ldd', [binary], { encoding: 'utf8', env: { ...process.env, LD_LIBRARY_PATH: LIBRARY_PATH } });
    for (const m of r.stdout.matchAll(/^\s*(\S+) => not found/gm)) missing.add(m[1]);
  }
  return [...missing];
}

/** Why the unpacked Cyrus cannot run (after fetchCyrus), or undefined. */
export function cyrusBroken(): string | undefined {
  const missing = missingLibraries();
  return missing.length > 0 ? `Cyrus needs libraries that are not installed: ${missing.join(', ')}` : undefined;
}

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => new Promise<net.Server>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  })));
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

function imapdConf(dir: string): string {
  return `# Throwaway Cyrus for mailsh tests.
configdirectory: ${dir}/conf
defaultpartition: default
partition-default: ${dir}/spool
sievedir: ${dir}/sieve
cyrus_user: ${RUN_AS}
servername: localhost
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: ${dir}/sasldb2
sasl_mech_list: ${MECHANISMS.join(' ')}
# LOGIN and PLAIN without TLS too, like the suite's Dovecot on 127.0.0.1.
allowplaintext: yes
# Mailboxes appear at the first login or delivery.
autocreate_quota: 0
autocreate_post: 1
unixhierarchysep: yes
tls_server_cert: ${dir}/cert.pem
tls_server_key: ${dir}/key.pem
syslog_prefix: mailsh-cyrus
idlesocket: ${dir}/run/idle
notifysocket: ${dir}/run/notify
lmtpsocket: ${dir}/run/lmtp
statuscache: 0
`;
}

function cyrusConf(dir: string, p: { imap: number; pop3: number; sieve: number; lmtp: number }): string {
  const service = (name: string, binary: string, port: number, args = ''): string =>
    `  ${name} cmd="${join(BIN, binary)} -C ${dir}/imapd.conf${args}" listen="127.0.0.1:${port}" prefork=0\n`;
  return `START {
  recover cmd="${join(BIN, 'ctl_cyrusdb')} -C ${dir}/imapd.conf -r"
}
SERVICES {
${service('imap', 'imapd', p.imap)}${service('pop3', 'pop3d', p.pop3)}${service('sieve', 'timsieved', p.sieve)}${service('lmtp', 'lmtpd', p.lmtp, ' -a')}}
EVENTS {
}
`;
}

/** Starts Cyrus (after fetchCyrus) with a fresh configuration; see CyrusServers. */
export async function startCyrus(): Promise<CyrusServers> {
  installSafetyNet();
  const owner = systemAccount(RUN_AS)!;
  const certs = await getTestCerts();
  const dir = await mkdtemp(join(tmpdir(), 'mailsh-cyrus-'));
  await chmod(dir, 0o755);
  const [imap, pop3, sieve, lmtp] = await freePorts(4);
  const env = { ...process.env, LD_LIBRARY_PATH: LIBRARY_PATH };
  let daemon: ReturnType<typeof spawnDaemon> | undefined;
  const stop = async (): Promise<void> => {
    if (daemon) await stopDaemon(daemon);
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  };
  try {
    for (const sub of ['conf', 'spool', 'sieve', 'run']) await mkdir(join(dir, sub));
    await copyFile(certs.good.cert, join(dir, 'cert.pem'));
    await copyFile(certs.good.key, join(dir, 'key.pem'));
    await writeFile(join(dir, 'imapd.conf'), imapdConf(dir));
    await writeFile(join(dir, 'cyrus.conf'), cyrusConf(dir, { imap, pop3, sieve, lmtp }));
    for (const user of USERS) {
      await new Promise<void>((resolve, reject) => {
        const child = execFile(SASLPASSWD, ['-p', '-c', '-f', join(dir, 'sasldb2'), '-u', 'localhost', user.name], { env }, (err) => (err ? reject(err) : resolve()));
        child.stdin!.end(user.password);
      });
    }
    for (const entry of ['conf', 'spool', 'sieve', 'run', 'key.pem', 'sasldb2']) await chown(join(dir, entry), owner.uid, owner.gid);
    // -D: stay in the foreground as our child, so it is stopped by its PID.
    daemon = spawnDaemon('cyrus master', join(BIN, 'master'), ['-D', '-C', join(dir, 'imapd.conf'), '-M', join(dir, 'cyrus.conf'), '-p', join(dir, 'run/master.pid')], join(dir, 'master.log'), env);
    const abort = new AbortController();
    const deadline = Date.now() + 15_000;
    const died = daemon.exited.then((how) => { throw new Error(`cyrus master ${how} during start-up (errors go to syslog)`); });
    died.catch(() => undefined);
    await Promise.race([died, Promise.all([
      { name: 'cyrus imap', port: imap, greeting: '* OK' },
      { name: 'cyrus pop3', port: pop3, greeting: '+OK' },
      { name: 'cyrus sieve', port: sieve, greeting: '"IMPLEMENTATION"' },
      { name: 'cyrus lmtp', port: lmtp, greeting: '220 ' },
    ].map((probe) => waitForGreeting(probe, deadline, abort.signal)))]).finally(() => abort.abort());
  } catch (err) {
    const log = await readFile(join(dir, 'master.log'), 'utf8').catch(() => '');
    await stop();
    throw new Error(`could not start Cyrus: ${(err as Error).message}\n${log}`);
  }
  return {
    host: '127.0.0.1', imapPort: imap, pop3Port: pop3, sievePort: sieve, lmtpPort: lmtp,
    users: USERS.map((u) => ({ ...u })), caFile: certs.caCert, mechanisms: MECHANISMS, stop,
  };
}
