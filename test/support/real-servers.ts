/**
 * Real Postfix and Dovecot for interop tests, on 127.0.0.1 high ports, with
 * throwaway configuration in one temp directory. Nothing of the system
 * instances (/etc/postfix, /etc/dovecot, /var/spool/postfix) is read for
 * settings or written; the daemons are stopped by PID.
 *
 * Needs root (Postfix's master and Dovecot drop privileges themselves) and
 * the Debian packages postfix, dovecot-{imapd,pop3d,lmtpd,managesieved}.
 *
 *   client ──SMTP──▶ Postfix smtpd ──LMTP (unix socket)──▶ Dovecot ──▶ Maildir
 *                          └──SASL (unix socket, "dovecot" protocol)──┘
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { constants as osConstants, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import tls from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { getTestCerts, type TestCerts } from './certs.js';

export type { CertPair, TestCerts } from './certs.js';

export interface RealUser {
  name: string;
  password: string;
  /** name@domain; the Postfix virtual mailbox address. */
  address: string;
}

export interface RealServers {
  host: '127.0.0.1';
  /** Postfix, MX-style: no TLS, no AUTH; local domain accepted, relay refused (554 5.7.1). */
  smtpPort: number;
  /**
   * Postfix submission: STARTTLS offered (optional); AUTH only after
   * STARTTLS; every RCPT needs AUTH ("554 5.7.1 ... Access denied" without);
   * authenticated mail to foreign domains is accepted and discarded.
   */
  submissionPort: number;
  /** Postfix with implicit TLS (wrappermode); AUTH offered at once; otherwise like submission. */
  smtpsPort: number;
  /** Dovecot IMAP (STARTTLS offered) / IMAPS / POP3 (STLS offered) / POP3S / ManageSieve (STARTTLS offered). */
  imapPort: number;
  imapsPort: number;
  pop3Port: number;
  pop3sPort: number;
  sievePort: number;
  /** Local mail domain ('mailsh.test'); only its listed users exist. */
  domain: string;
  /** alice and bob; any SASL mechanism Dovecot offers works for them. */
  users: RealUser[];
  /** PEM of the CA that signed every server's certificate (CN localhost, SAN 127.0.0.1). */
  caFile: string;
  certs: TestCerts;
  /** Daemon log files, for diagnostics. */
  logs: { postfix: string; dovecot: string };
  /** The user's Maildir (contains new/, cur/ after the first delivery). */
  maildir(user: string): string;
  /**
   * Polls the user's Maildir new/ and cur/ until a message satisfies
   * `predicate` and returns it as stored (Dovecot stores LF line endings).
   * Rejects after `timeoutMs` (default 10 s) with the daemon log tails.
   */
  waitForMessage(user: string, predicate: (raw: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Stops both daemons by PID (SIGTERM, then SIGKILL to their process groups) and removes the temp dir. */
  stop(): Promise<void>;
}

const DOMAIN = 'mailsh.test';
const USERS: readonly RealUser[] = [
  ...['alice', 'bob'].map((name) => ({ name, password: `${name}-secret`, address: `${name}@${DOMAIN}` })),
  // A password that needs IMAP quoting: `"` and `!`.
  { name: 'carol', password: 'say "hi"!', address: `carol@${DOMAIN}` },
];

const START_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 5_000;
const LOG_TAIL_LINES = 30;

// Debian's locations; realServersUnavailable() checks them.
const POSTFIX_MASTER = '/usr/lib/postfix/sbin/master';
const DOVECOT = '/usr/sbin/dovecot';
const DOVECOT_DH = '/usr/share/dovecot/dh.pem';
const REQUIRED_FILES = [
  POSTFIX_MASTER, DOVECOT,
  '/usr/lib/dovecot/imap-login', '/usr/lib/dovecot/pop3-login',
  '/usr/lib/dovecot/lmtp', '/usr/lib/dovecot/managesieve-login',
];
// Postfix and Dovecot switch to these accounts; `mail` owns the Maildirs.
// (Postfix also needs the postdrop group for its queue.)
const REQUIRED_USERS = ['postfix', 'dovecot', 'dovenull', 'mail'];
const MAIL_USER = 'mail';

/**
 * Why the real servers cannot run here, or undefined if they can.
 * Set MAILSH_SKIP_REAL_SERVERS=1 to skip them deliberately.
 */
export function realServersUnavailable(): string | undefined {
  if (process.env['MAILSH_SKIP_REAL_SERVERS']) return 'MAILSH_SKIP_REAL_SERVERS is set';
  if (process.platform !== 'linux') return `needs Linux, not ${process.platform}`;
  if (process.getuid?.() !== 0) return 'needs root (Postfix and Dovecot drop privileges themselves)';
  const missing = REQUIRED_FILES.filter((file) => !existsSync(file));
  if (missing.length > 0) return `missing ${missing.join(', ')} (install postfix, dovecot-imapd, dovecot-pop3d, dovecot-lmtpd, dovecot-managesieved)`;
  if (!onPath('openssl')) return 'openssl not found on PATH';
  const accounts = REQUIRED_USERS.filter((name) => systemAccount(name) === undefined);
  if (accounts.length > 0) return `missing system accounts: ${accounts.join(', ')}`;
  if (systemGroup('postdrop') === undefined) return 'missing system group postdrop';
  return undefined;
}

function onPath(command: string): boolean {
  return (process.env['PATH'] ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, command)));
}

/** Fields of `name`'s line in /etc/passwd or /etc/group. */
function systemEntry(file: string, name: string): string[] | undefined {
  return readFileSync(file, 'utf8').split('\n').find((line) => line.startsWith(`${name}:`))?.split(':');
}

export function systemAccount(name: string): { uid: number; gid: number } | undefined {
  const [, , uid, gid] = systemEntry('/etc/passwd', name) ?? [];
  return uid && gid ? { uid: Number(uid), gid: Number(gid) } : undefined;
}

function systemGroup(name: string): number | undefined {
  const gid = systemEntry('/etc/group', name)?.[2];
  return gid ? Number(gid) : undefined;
}

// ---------------------------------------------------------------------------
// Safety net: whatever happens to the test process, leave no daemons behind.

const livePids = new Set<number>();
const liveRoots = new Set<string>();
let safetyNetInstalled = false;

/** Sends `signal` to the whole process group led by `pid`; ignores "no such process". */
function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: already gone.
  }
}

/** Runs on 'exit', which the signal handlers below turn signals into. */
function killLeftoversSync(): void {
  for (const pid of livePids) killGroup(pid, 'SIGKILL');
  livePids.clear();
  for (const root of liveRoots) rmSync(root, { recursive: true, force: true });
  liveRoots.clear();
}

export function installSafetyNet(): void {
  if (safetyNetInstalled) return;
  safetyNetInstalled = true;
  process.on('exit', killLeftoversSync);
  // The daemons run in their own process groups, so a Ctrl-C or the test
  // runner's SIGTERM would not reach them. Death by signal skips 'exit'
  // handlers (ours and certs.ts's); exiting with 128+N runs them.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => process.exit(128 + osConstants.signals[signal]));
  }
}

// ---------------------------------------------------------------------------
// Layout, ports and configuration files.

interface Layout {
  root: string;
  mailUid: number;         // uid of MAIL_USER, owner of mail/ and home/
  postfixConfig: string;   // main.cf, master.cf, vmailbox
  postfixQueue: string;    // queue_directory
  postfixData: string;     // data_directory
  dovecotConfig: string;   // dovecot.conf
  dovecotUsers: string;    // passwd-file
  dovecotRun: string;      // base_dir: sockets incl. lmtp and auth-postfix
  dovecotState: string;    // state_dir
  mail: string;            // Maildirs: mail/<user>
  home: string;            // home dirs (Sieve scripts): home/<user>
  postfixLog: string;
  postfixStderr: string;
  dovecotLog: string;
  dovecotStderr: string;
}

interface Ports {
  smtp: number; submission: number; smtps: number;
  imap: number; imaps: number; pop3: number; pop3s: number; sieve: number;
}
const PORT_NAMES = ['smtp', 'submission', 'smtps', 'imap', 'imaps', 'pop3', 'pop3s', 'sieve'] as const;

async function makeLayout(root: string): Promise<Layout> {
  const owner = systemAccount(MAIL_USER);
  if (!owner) throw new Error(`no system account ${MAIL_USER}`);
  const at = (name: string): string => join(root, name);
  const layout: Layout = {
    root,
    mailUid: owner.uid,
    postfixConfig: at('postfix'),
    postfixQueue: at('postfix-queue'),
    postfixData: at('postfix-data'),
    dovecotConfig: at('dovecot/dovecot.conf'),
    dovecotUsers: at('dovecot/users'),
    dovecotRun: at('dovecot-run'),
    dovecotState: at('dovecot-state'),
    mail: at('mail'),
    home: at('home'),
    postfixLog: at('postfix.log'),
    postfixStderr: at('postfix.stderr'),
    dovecotLog: at('dovecot.log'),
    dovecotStderr: at('dovecot.stderr'),
  };
  // mkdtemp makes 0700; the unprivileged daemons (postfix, dovecot, mail)
  // must traverse it to reach sockets and Maildirs.
  await chmod(root, 0o755);
  for (const dir of [layout.postfixConfig, layout.postfixQueue, at('dovecot'), layout.mail, layout.home]) {
    await mkdir(dir);
  }
  await chown(layout.mail, owner.uid, owner.gid);
  await chown(layout.home, owner.uid, owner.gid);
  return layout;
}

/** Distinct free ports: all are held open together, then released. */
async function freePorts(): Promise<Ports> {
  const servers = await Promise.all(PORT_NAMES.map(() => new Promise<net.Server>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  })));
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return Object.fromEntries(PORT_NAMES.map((name, i) => [name, ports[i]])) as unknown as Ports;
}

function postfixMainCf(l: Layout, certs: TestCerts): string {
  return `# Throwaway Postfix instance for mailsh tests.
compatibility_level = 3.6
queue_directory = ${l.postfixQueue}
data_directory = ${l.postfixData}
mail_owner = postfix
# Log to a file: there is no syslog here, and without a tty Postfix would
# otherwise report errors nowhere. The prefix list must allow the path.
maillog_file = ${l.postfixLog}
maillog_file_prefixes = ${l.root}
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.${DOMAIN}
mydomain = ${DOMAIN}
mynetworks = 127.0.0.0/8
# No local(8) delivery and no /etc/aliases: every mailbox is virtual.
mydestination =
alias_maps =
alias_database =
biff = no
# The test domain goes to Dovecot over LMTP; texthash needs no postmap, and
# listing the users makes RCPT to unknown ones fail with 550 5.1.1.
virtual_mailbox_domains = ${DOMAIN}
virtual_mailbox_maps = texthash:${l.postfixConfig}/vmailbox
virtual_transport = lmtp:unix:${l.dovecotRun}/lmtp
# Mail for any other domain (authenticated relay, bounces) is dropped here:
# nothing may ever leave the machine.
default_transport = discard:mailsh test instance never relays
relay_transport = discard:mailsh test instance never relays
# No permit_mynetworks: the tests connect from 127.0.0.1 and must still see
# "554 5.7.1 <x@example.com>: Relay access denied" like a stranger would.
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
# No DNS at all: no reverse lookups of clients, no MX lookups.
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
lmtp_dns_support_level = disabled
smtp_host_lookup = native
lmtp_host_lookup = native
# Errors are the point of many tests: never tarpit or disconnect for them.
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 1000
smtpd_hard_error_limit = 1000
smtpd_junk_command_limit = 1000
# TLS material; each service in master.cf decides whether to offer TLS.
smtpd_tls_chain_files = ${certs.good.key}, ${certs.good.cert}
smtpd_tls_security_level = none
# SASL is Dovecot's (auth-postfix socket); enabled per service in master.cf.
smtpd_sasl_type = dovecot
smtpd_sasl_path = ${l.dovecotRun}/auth-postfix
`;
}

/** chroot is "n" everywhere: a chroot jail would need copies of /etc files. */
function postfixMasterCf(p: Ports): string {
  const authenticated = '-o smtpd_sasl_auth_enable=yes -o smtpd_relay_restrictions=permit_sasl_authenticated,reject';
  return `# service type  private unpriv  chroot  wakeup  maxproc command
${p.smtp} inet n - n - - smtpd
${p.submission} inet n - n - - smtpd -o smtpd_tls_security_level=may -o smtpd_tls_auth_only=yes ${authenticated}
${p.smtps} inet n - n - - smtpd -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt ${authenticated}
pickup    unix  n  -  n  60    1  pickup
cleanup   unix  n  -  n  -     0  cleanup
qmgr      unix  n  -  n  300   1  qmgr
tlsmgr    unix  -  -  n  1000? 1  tlsmgr
rewrite   unix  -  -  n  -     -  trivial-rewrite
bounce    unix  -  -  n  -     0  bounce
defer     unix  -  -  n  -     0  bounce
trace     unix  -  -  n  -     0  bounce
verify    unix  -  -  n  -     1  verify
flush     unix  n  -  n  1000? 0  flush
proxymap  unix  -  -  n  -     -  proxymap
smtp      unix  -  -  n  -     -  smtp
relay     unix  -  -  n  -     -  smtp
showq     unix  n  -  n  -     -  showq
error     unix  -  -  n  -     -  error
retry     unix  -  -  n  -     -  error
discard   unix  -  -  n  -     -  discard
lmtp      unix  -  -  n  -     -  lmtp
anvil     unix  -  -  n  -     1  anvil
scache    unix  -  -  n  -     1  scache
postlog   unix-dgram n - n - 1 postlogd
`;
}

function dovecotConf(l: Layout, p: Ports, certs: TestCerts, mailUid: number): string {
  const listener = (kind: string, name: string, port: number, ssl = false): string =>
    `  ${kind} ${name} {\n    port = ${port}\n${ssl ? '    ssl = yes\n' : ''}  }\n`;
  const socket = (name: string): string => `  unix_listener ${name} {\n    mode = 0666\n  }\n`;
  return `# Throwaway Dovecot instance for mailsh tests.
base_dir = ${l.dovecotRun}
state_dir = ${l.dovecotState}
# Shows up in process titles: dovecot-mailsh-test/imap-login etc.
instance_name = mailsh-test
log_path = ${l.dovecotLog}
auth_verbose = yes
protocols = imap pop3 lmtp sieve
listen = 127.0.0.1
ssl = yes
ssl_cert = <${certs.good.cert}
ssl_key = <${certs.good.key}
${existsSync(DOVECOT_DH) ? `ssl_dh = <${DOVECOT_DH}\n` : ''}
# Plain passwords let every mechanism work, including CRAM-MD5 and SCRAM,
# and POP3 APOP (RFC 1939 §7: the greeting then carries a <timestamp>;
# Dovecot never advertises APOP as a SASL mechanism).
auth_mechanisms = plain login cram-md5 scram-sha-1 scram-sha-256 apop
auth_failure_delay = 0
# No anvil auth penalty: after a wrong-password test it would delay every
# later login from 127.0.0.1 by seconds (the auth process skips the penalty
# when it cannot open this socket).
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
# Dovecot treats 127.0.0.1 as secure anyway; say so explicitly.
disable_plaintext_auth = no
# All Maildirs belong to the system "mail" user, whose uid is below the
# default first_valid_uid of 500.
mail_uid = ${MAIL_USER}
mail_gid = ${MAIL_USER}
first_valid_uid = ${mailUid}
# %n (user without @domain): LMTP looks up "alice@${DOMAIN}", IMAP "alice".
mail_location = maildir:${l.mail}/%n
mail_home = ${l.home}/%n
# Throwaway mail: skip fsync for speed.
mail_fsync = never
passdb {
  driver = passwd-file
  args = username_format=%n ${l.dovecotUsers}
}
userdb {
  driver = passwd-file
  args = username_format=%n ${l.dovecotUsers}
}
service imap-login {
${listener('inet_listener', 'imap', p.imap)}${listener('inet_listener', 'imaps', p.imaps, true)}}
service pop3-login {
${listener('inet_listener', 'pop3', p.pop3)}${listener('inet_listener', 'pop3s', p.pop3s, true)}}
service managesieve-login {
${listener('inet_listener', 'sieve', p.sieve)}}
# Postfix connects as user postfix: world-accessible sockets, inside a
# directory only this test instance uses.
service lmtp {
${socket('lmtp')}}
service auth {
${socket('auth-postfix')}}
# Scripts uploaded over ManageSieve run on LMTP delivery.
protocol lmtp {
  mail_plugins = $mail_plugins sieve
}
plugin {
  sieve = file:~/sieve;active=~/.dovecot.sieve
}
`;
}

async function writeConfigs(l: Layout, p: Ports, certs: TestCerts, mailUid: number): Promise<void> {
  const vmailbox = USERS.map((u) => `${u.address} ${u.name}\n`).join('');
  const passwd = USERS.map((u) => `${u.name}:{PLAIN}${u.password}::::::\n`).join('');
  const postfixFiles: [string, string][] = [
    [join(l.postfixConfig, 'main.cf'), postfixMainCf(l, certs)],
    [join(l.postfixConfig, 'master.cf'), postfixMasterCf(p)],
    [join(l.postfixConfig, 'vmailbox'), vmailbox],
  ];
  // Postfix refuses to use a file modified within the last second ("file is
  // being written to") and polls every 300 ms until it is older: backdate.
  const past = new Date(Date.now() - 60_000);
  await Promise.all([
    ...postfixFiles.map(async ([file, text]) => {
      await writeFile(file, text);
      await utimes(file, past, past);
    }),
    writeFile(l.dovecotConfig, dovecotConf(l, p, certs, mailUid)),
    writeFile(l.dovecotUsers, passwd),
  ]);
}

// ---------------------------------------------------------------------------
// Daemons.

export interface Daemon {
  name: string;
  pid: number;
  /** Resolves (never rejects) when the process has exited. */
  exited: Promise<string>;
  hasExited: boolean;
  /** Added to the error when the daemon dies during start-up. */
  hint?: string;
}

/**
 * Spawns a foreground daemon as the leader of its own process group, with
 * output to a file: an inherited pipe would keep `node --test` waiting.
 * unref() lets the test process exit even if stop() is never called; the
 * safety net then kills the group.
 */
export function spawnDaemon(name: string, command: string, args: string[], outputFile: string, env?: NodeJS.ProcessEnv): Daemon {
  const fd = openSync(outputFile, 'a');
  const child = (() => {
    try {
      return spawn(command, args, { detached: true, stdio: ['ignore', fd, fd], env });
    } finally {
      closeSync(fd);
    }
  })();
  const daemon: Daemon = {
    name,
    pid: child.pid ?? -1,
    hasExited: false,
    exited: new Promise((resolve) => {
      const done = (how: string): void => { daemon.hasExited = true; resolve(how); };
      child.once('error', (err) => done(`failed: ${err.message}`));
      child.once('exit', (code, signal) => done(signal ? `killed by ${signal}` : `exited with ${code}`));
    }),
  };
  child.unref();
  if (child.pid !== undefined) livePids.add(child.pid);
  return daemon;
}

/** SIGTERM to the daemon's process group, then SIGKILL for stragglers. */
export async function stopDaemon(daemon: Daemon): Promise<void> {
  if (daemon.pid < 0) return;
  if (!daemon.hasExited) {
    // The whole group: Dovecot's master alone lingers ~1 s for its children.
    killGroup(daemon.pid, 'SIGTERM');
    const timer = new AbortController();
    await Promise.race([daemon.exited, sleep(STOP_GRACE_MS, undefined, { signal: timer.signal }).catch(() => undefined)]);
    timer.abort();
  }
  // Postfix's master exits without waiting for its children.
  killGroup(daemon.pid, 'SIGKILL');
  livePids.delete(daemon.pid);
}

/**
 * Queue subdirectories as `postfix check` (post-install create-missing,
 * from /etc/postfix/postfix-files) would make them: [name, mode, group].
 * Made here because that shell script takes ~2 s.
 */
const POSTFIX_QUEUE_DIRS: [string, number, 'root' | 'postdrop'][] = [
  ...['active', 'bounce', 'corrupt', 'defer', 'deferred', 'flush', 'hold', 'incoming', 'private', 'saved', 'trace']
    .map((name): [string, number, 'root'] => [name, 0o700, 'root']),
  ['maildrop', 0o730, 'postdrop'],
  ['public', 0o710, 'postdrop'],
  ['pid', 0o755, 'root'],
];

async function makeDir(dir: string, mode: number, uid: number, gid: number): Promise<void> {
  await mkdir(dir);
  await chown(dir, uid, gid);
  await chmod(dir, mode); // mkdir's mode is subject to the umask
}

/** The queue and data directories; owned by mail_owner except pid/. */
async function preparePostfix(l: Layout): Promise<void> {
  const owner = systemAccount('postfix');
  const postdrop = systemGroup('postdrop');
  if (!owner || postdrop === undefined) throw new Error('no postfix user or postdrop group');
  await makeDir(l.postfixData, 0o700, owner.uid, 0);
  await Promise.all(POSTFIX_QUEUE_DIRS.map(([name, mode, group]) =>
    makeDir(join(l.postfixQueue, name), mode, name === 'pid' ? 0 : owner.uid, group === 'postdrop' ? postdrop : 0)));
}

/**
 * `master -d` keeps Postfix's master in the foreground as our child, so we
 * know its PID and Node reaps it (`postfix start` would orphan it to init,
 * and run the slow `postfix check` first). Errors go to maillog_file.
 */
function startPostfix(l: Layout): Daemon {
  const daemon = spawnDaemon('postfix', POSTFIX_MASTER, ['-c', l.postfixConfig, '-d'], l.postfixStderr);
  daemon.hint = 'errors found before maillog_file is open, such as a bad main.cf value, go to syslog only';
  return daemon;
}

function startDovecot(l: Layout): Daemon {
  return spawnDaemon('dovecot', DOVECOT, ['-F', '-c', l.dovecotConfig], l.dovecotStderr);
}

// ---------------------------------------------------------------------------
// Readiness.

export interface Probe {
  name: string;
  port: number;
  /** What the greeting starts with. */
  greeting: string;
  /** CA for implicit-TLS ports; the probe verifies the certificate. */
  ca?: string;
}

function probes(p: Ports, caPem: string): Probe[] {
  return [
    { name: 'postfix smtp', port: p.smtp, greeting: '220 ' },
    { name: 'postfix submission', port: p.submission, greeting: '220 ' },
    { name: 'postfix smtps', port: p.smtps, greeting: '220 ', ca: caPem },
    { name: 'dovecot imap', port: p.imap, greeting: '* OK' },
    { name: 'dovecot imaps', port: p.imaps, greeting: '* OK', ca: caPem },
    { name: 'dovecot pop3', port: p.pop3, greeting: '+OK' },
    { name: 'dovecot pop3s', port: p.pop3s, greeting: '+OK', ca: caPem },
    { name: 'dovecot sieve', port: p.sieve, greeting: '"IMPLEMENTATION"' },
  ];
}

/** One connection attempt: resolves once the greeting has arrived. */
function probeOnce(probe: Probe): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = probe.ca
      ? tls.connect({ host: '127.0.0.1', port: probe.port, ca: probe.ca, servername: 'localhost' })
      : net.connect({ host: '127.0.0.1', port: probe.port });
    let received = '';
    const finish = (err?: Error): void => {
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    socket.setTimeout(2_000, () => finish(new Error(`timed out; got ${JSON.stringify(received)}`)));
    socket.on('error', finish);
    socket.on('close', () => finish(new Error(`closed; got ${JSON.stringify(received)}`)));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.length >= probe.greeting.length) {
        finish(received.startsWith(probe.greeting) ? undefined : new Error(`unexpected greeting ${JSON.stringify(received)}`));
      }
    });
  });
}

export async function waitForGreeting(probe: Probe, deadline: number, signal: AbortSignal): Promise<void> {
  for (;;) {
    try {
      return await probeOnce(probe);
    } catch (err) {
      if (signal.aborted) return;
      if (Date.now() > deadline) {
        throw new Error(`${probe.name} (127.0.0.1:${probe.port}) not ready: ${(err as Error).message}`);
      }
      await sleep(50);
    }
  }
}

/** Waits for a daemon's UNIX socket to appear. */
async function waitForSocket(path: string, deadline: number): Promise<void> {
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} did not appear`);
    await sleep(20);
  }
}

/** Resolves when every port greets; rejects when a daemon dies first or time runs out. */
/** Polls until `file` exists; rejects if `daemon` exits first or after the start-up timeout. */
async function waitForFile(file: string, daemon: Daemon): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!existsSync(file)) {
    if (daemon.hasExited) throw new Error(`${daemon.name} ${await daemon.exited} during start-up`);
    if (Date.now() > deadline) throw new Error(`${file} did not appear within ${START_TIMEOUT_MS} ms`);
    await sleep(20);
  }
}

async function waitUntilReady(p: Ports, caPem: string, daemons: Daemon[]): Promise<void> {
  const abort = new AbortController();
  const deadline = Date.now() + START_TIMEOUT_MS;
  const died = new Promise<never>((_, reject) => {
    for (const d of daemons) {
      void d.exited.then((how) => reject(new Error(`${d.name} ${how} during start-up${d.hint ? ` (${d.hint})` : ''}`)));
    }
  });
  died.catch(() => undefined); // settles late (at stop) when start-up succeeded
  try {
    await Promise.race([Promise.all(probes(p, caPem).map((pr) => waitForGreeting(pr, deadline, abort.signal))), died]);
  } finally {
    abort.abort();
  }
}

async function tail(file: string): Promise<string> {
  try {
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    return lines.slice(-LOG_TAIL_LINES).join('\n');
  } catch {
    return '(no file)';
  }
}

async function logTails(l: Layout): Promise<string> {
  const files = [l.postfixLog, l.postfixStderr, l.dovecotLog, l.dovecotStderr];
  const parts = await Promise.all(files.map(async (file) => `--- ${file} ---\n${await tail(file)}`));
  return parts.join('\n');
}

// ---------------------------------------------------------------------------
// Maildir polling.

async function maildirFiles(dir: string): Promise<string[]> {
  const lists = await Promise.all(['new', 'cur'].map(async (sub) => {
    try {
      return (await readdir(join(dir, sub))).map((name) => join(dir, sub, name));
    } catch {
      return []; // the Maildir appears on first delivery
    }
  }));
  return lists.flat();
}

/** Returns the first message in `dir` that satisfies `predicate`, or undefined. */
async function findMessage(dir: string, predicate: (raw: string) => boolean, checked: Set<string>): Promise<string | undefined> {
  for (const file of await maildirFiles(dir)) {
    if (checked.has(file)) continue;
    // A file may move from new/ to cur/ (and get renamed) between readdir and read.
    const raw = await readFile(file, 'utf8').catch(() => undefined);
    if (raw === undefined) continue;
    checked.add(file);
    if (predicate(raw)) return raw;
  }
  return undefined;
}

// ---------------------------------------------------------------------------

/** Starts Dovecot and Postfix with a fresh configuration; see RealServers. */
export async function startRealServers(): Promise<RealServers> {
  const reason = realServersUnavailable();
  if (reason) throw new Error(`real servers unavailable: ${reason}`);
  installSafetyNet();
  const certs = await getTestCerts();
  const root = await mkdtemp(join(tmpdir(), 'mailsh-real-'));
  liveRoots.add(root);
  const daemons: Daemon[] = [];
  const layout = await makeLayout(root).catch(async (err: unknown) => {
    await rm(root, { recursive: true, force: true });
    liveRoots.delete(root);
    throw err;
  });

  let stopping: Promise<void> | undefined;
  // Idempotent: a second SIGKILL to a reused PID must never happen.
  const stop = (): Promise<void> => (stopping ??= (async () => {
    await Promise.all(daemons.map(stopDaemon));
    await rm(root, { recursive: true, force: true, maxRetries: 3 });
    liveRoots.delete(root);
  })());

  let ports: Ports;
  try {
    ports = await freePorts();
    await writeConfigs(layout, ports, certs, layout.mailUid);
    // Dovecot first: Postfix needs its LMTP and auth sockets. An smtpd that
    // starts before the auth socket exists exits, and Postfix's master then
    // throttles the service for a minute.
    daemons.push(startDovecot(layout));
    await waitForSocket(join(layout.dovecotRun, 'auth-postfix'), Date.now() + START_TIMEOUT_MS);
    await preparePostfix(layout);
    // An smtpd that finds no auth socket exits, and master then throttles
    // the service for a minute: wait until Dovecot has made it.
    await waitForFile(join(layout.dovecotRun, 'auth-postfix'), daemons[0]);
    daemons.push(startPostfix(layout));
    await waitUntilReady(ports, await readFile(certs.caCert, 'utf8'), daemons);
  } catch (err) {
    const logs = await logTails(layout);
    await stop();
    throw new Error(`could not start the real mail servers: ${(err as Error).message}\n${logs}`);
  }

  const maildir = (user: string): string => join(layout.mail, user);
  return {
    host: '127.0.0.1',
    smtpPort: ports.smtp,
    submissionPort: ports.submission,
    smtpsPort: ports.smtps,
    imapPort: ports.imap,
    imapsPort: ports.imaps,
    pop3Port: ports.pop3,
    pop3sPort: ports.pop3s,
    sievePort: ports.sieve,
    domain: DOMAIN,
    users: USERS.map((u) => ({ ...u })),
    caFile: certs.caCert,
    certs,
    logs: { postfix: layout.postfixLog, dovecot: layout.dovecotLog },
    maildir,
    async waitForMessage(user, predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      const checked = new Set<string>();
      for (;;) {
        const found = await findMessage(maildir(user), predicate, checked);
        if (found !== undefined) return found;
        if (Date.now() > deadline) {
          throw new Error(`no matching message for ${user} within ${timeoutMs} ms (${checked.size} checked)\n${await logTails(layout)}`);
        }
        await sleep(50);
      }
    },
    stop,
  };
}
