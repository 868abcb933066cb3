/**
 * Real mail clients through `mailsh tunnel` against real Postfix and Dovecot
 * (issue 18): mbsync, fetchmail, offlineimap, neomutt and Emacs smtpmail (the seed's
 * regression: `RCPT TO` through s_client died of "renegotiation").
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { before, describe, it, type TestContext } from 'node:test';
import { useRealServers } from './support/real-fixture.js';
import type { RealServers } from './support/real-servers.js';
import { deliver } from './support/deliver.js';
import { localFolders, offlineimapRun, seedFolders, serverFolders } from './support/offlineimap.js';
import { assertOneImapSession, atOnce } from './support/session-transcripts.js';
import { clientServers, runClient } from './support/mail-clients.js';
import { runPython } from './support/python.js';
import { CLI } from './support/run-cli.js';

const real = useRealServers();
let dir: string;
const logs: string[] = [];
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mailsh-tunnel-clients-'));
});

const servers = (t: TestContext, client: string): RealServers | undefined => clientServers(real, t, client);

/** The tunnel command line a client runs, with its own masked log. */
function tunnelCommand(url: string, caFile: string, name: string, extra = ''): string {
  const log = join(dir, `${name}.log`);
  logs.push(log);
  return `${process.execPath} ${CLI} tunnel ${url} --ca ${caFile} --log ${log}${extra}`;
}

/** The messages of a Maildir tree, as sorted contents. */
function maildirMessages(root: string): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      // X-TUID is mbsync's own per-run marker.
      else if (/\/(new|cur)$/.test(d)) found.push(readFileSync(p, 'latin1').replace(/^X-TUID: .*\n/m, ''));
    }
  };
  walk(root);
  return found.sort();
}

/** Polls `done` every 50 ms; fails with `why()` after `ms`. */
async function until(done: () => boolean, ms: number, why: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) assert.fail(why());
    await sleep(50);
  }
}

/** The processes whose command line holds `text` (here: a tunnel's unique --log path). */
function pidsRunning(text: string): number[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'latin1').includes(text);
    } catch {
      return false; // gone meanwhile
    }
  }).map(Number);
}

/** Established TCP connections on 127.0.0.1 with `port` at either end (both ends of a loopback connection count). */
function connectionsTo(port: number): number {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/tcp', 'latin1').split('\n').slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[3] === '01' && (f[1]?.endsWith(hex) || f[2]?.endsWith(hex))).length;
}

describe('real clients through mailsh tunnel', () => {
  let delivered = false;
  const ensureMail = async (s: RealServers): Promise<void> => {
    if (delivered) return;
    delivered = true;
    for (let i = 1; i <= 3; i++) await deliver(s, s.users[0].address, `tunnel test ${i} R Q K`);
    await s.waitForMessage(s.users[0].name, (raw) => raw.includes('tunnel test 3'));
  };

  const mbsync = async (s: RealServers, name: string, tunnel: string, mech: string): Promise<string[]> => {
    const box = join(dir, name);
    mkdirSync(box);
    const rc = join(dir, `${name}.mbsyncrc`);
    const user = s.users[0];
    writeFileSync(rc, `IMAPAccount acct\nTunnel "${tunnel}"\nUser ${user.name}\nPass ${user.password}\nAuthMechs ${mech}\n\nIMAPStore remote\nAccount acct\n\nMaildirStore local\nPath ${box}/\nInbox ${box}/INBOX\n\nChannel ch\nFar :remote:\nNear :local:\nPatterns *\nCreate Near\nSyncState *\n`);
    const r = await runClient('mbsync', ['-c', rc, '-a']);
    ended.set(name, Date.now());
    assert.equal(r.code, 0, r.out);
    return maildirMessages(box);
  };
  const ended = new Map<string, number>();

  /** How long mbsync ran on after the LOGOUT its tunnel passed on (the log's timestamp of `C: n LOGOUT`). */
  const afterLogout = (name: string, log: string): number => {
    const stamp = /^(\S+) C: \S+ LOGOUT\\r\\n$/m.exec(readFileSync(join(dir, `${log}.log`), 'utf8'));
    assert.ok(stamp, `no LOGOUT in ${log}.log`);
    return ended.get(name)! - Date.parse(stamp[1]);
  };

  it('mbsync (AuthMechs LOGIN, PLAIN and its SCRAM default) syncs the same Maildir as through openssl s_client -quiet, finishing within 1 s of its LOGOUT', async (t) => {
    const s = servers(t, 'mbsync');
    if (!s) return;
    await ensureMail(s);
    const url = `imaps://127.0.0.1:${s.imapsPort}`;
    const viaSclient = await mbsync(s, 'mb-sclient', `openssl s_client -quiet -verify_return_error -CAfile ${s.caFile} -connect 127.0.0.1:${s.imapsPort}`, 'LOGIN');
    assert.ok(viaSclient.length >= 3);
    for (const [name, mech] of [['login', 'LOGIN'], ['plain', 'PLAIN'], ['scram', '*']]) {
      assert.deepEqual(await mbsync(s, `mb-${name}`, tunnelCommand(url, s.caFile, `mbsync-${name}`), mech), viaSclient, name);
      const ms = afterLogout(`mb-${name}`, `mbsync-${name}`);
      t.diagnostic(`${name}: mbsync finished ${ms} ms after its LOGOUT`);
      assert.ok(ms < 1000, `${name}: mbsync finished ${ms} ms after its LOGOUT`);
    }
    assert.match(readFileSync(join(dir, 'mbsync-scram.log'), 'utf8'), /C: \S+ AUTHENTICATE SCRAM-SHA-256 \\<redacted \d+ bytes>\\r\\n/);
  });

  for (const [proto, port] of [['IMAP', 'imapsPort'], ['POP3', 'pop3sPort']] as const) {
    it(`fetchmail plugin (${proto}) counts the same messages`, async (t) => {
      const s = servers(t, 'fetchmail');
      if (!s) return;
      await ensureMail(s);
      const scheme = proto === 'IMAP' ? 'imaps' : 'pop3s';
      const user = s.users[0];
      const rc = join(dir, `fetchmailrc-${proto}`);
      // sslproto '': the plugin is the TLS; fetchmail would try STARTTLS over it.
      writeFileSync(rc, `poll 127.0.0.1 proto ${proto} port ${s[port]} plugin "${tunnelCommand(`${scheme}://%h:%p`, s.caFile, `fetchmail-${proto}`)}" user "${user.name}" password "${user.password}" sslproto ''\n`);
      chmodSync(rc, 0o600);
      const r = await runClient('fetchmail', ['-c', '-f', rc, '--nosyslog'], { env: { FETCHMAILHOME: dir, HOME: dir } });
      const count = /(\d+) messages?/.exec(r.out);
      assert.ok(count, r.out);
      assert.ok(Number(count[1]) >= 3, r.out);
    });
  }

  it('fetchmail plugin (IMAP) in idle mode fetches a message delivered while it idles; after SIGTERM no tunnel and no server connection is left', async (t) => {
    const s = servers(t, 'fetchmail');
    if (!s) return;
    // carol: a mailbox of its own (fetchmail deletes what it fetched); her password holds `"`, which only fetchmail's '…' string takes.
    const user = s.users[2];
    const home = join(dir, 'fetchmail-idle');
    mkdirSync(home);
    const got = join(home, 'fetched');
    const log = join(dir, 'fetchmail-idle.log');
    const rc = join(home, 'fetchmailrc');
    writeFileSync(rc, `poll 127.0.0.1 proto IMAP port ${s.imapsPort} plugin "${tunnelCommand('imaps://%h:%p', s.caFile, 'fetchmail-idle')}" user "${user.name}" password '${user.password}' idle sslproto '' mda "cat >> ${got}"\n`, { mode: 0o600 });
    const child = spawn('fetchmail', ['-f', rc, '--nosyslog'], { env: { ...process.env, FETCHMAILHOME: home, HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise((r) => child.once('close', r));
    try {
      const idling = (): boolean => existsSync(log) && /S: \+ idling/.test(readFileSync(log, 'utf8'));
      await until(() => idling() || child.exitCode !== null, 10_000, () => `fetchmail never idled: ${out}`);
      assert.equal(child.exitCode, null, `fetchmail exited: ${out}`);
      const tunnels = pidsRunning(log);
      assert.equal(tunnels.length, 1, `one tunnel runs: ${tunnels.join(' ')}`);
      assert.ok(connectionsTo(s.imapsPort) > 0, 'the tunnel holds a connection to Dovecot');
      const subject = 'delivered while fetchmail idles';
      await deliver(s, user.address, subject);
      await until(() => existsSync(got) && readFileSync(got, 'utf8').includes(subject), 10_000, () => `fetchmail did not fetch it: ${out}`);
      child.kill('SIGTERM');
      await exited;
      await until(() => pidsRunning(log).length === 0, 2000, () => `the tunnel outlived fetchmail: ${pidsRunning(log).join(' ')}`);
      await until(() => connectionsTo(s.imapsPort) === 0, 2000, () => 'a connection to Dovecot is left');
      assert.match(readFileSync(log, 'utf8'), /closed/);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('offlineimap with the README\'s transporttunnel = mailsh tunnel imaps://… (maxconnections = 3) syncs six folders: the Maildir equals the server; --log …-$$.log gives each connection its own transcript', async (t) => {
    const s = servers(t, 'offlineimap');
    if (!s) return;
    const carol = s.users[2];
    await seedFolders(s, carol, 2);
    // offlineimap runs the tunnel through sh: $$ names one log per connection, as the README says.
    const { args, mail } = offlineimapRun(join(dir, 'offlineimap'), [
      `transporttunnel = ${tunnelCommand(`imaps://127.0.0.1:${s.imapsPort}`, s.caFile, 'offlineimap-$$')}`,
      `remoteuser = ${carol.name}`, `remotepass = ${carol.password}`, 'auth_mechanisms = LOGIN', 'maxconnections = 3',
    ]);
    const r = await runClient('offlineimap', args);
    assert.equal(r.code, 0, r.out);
    assert.doesNotMatch(r.out, /ERROR|WARNING/, r.out);
    assert.deepEqual(localFolders(mail), await serverFolders(s, carol));
    const files = readdirSync(dir).filter((f) => /^offlineimap-\d+\.log$/.test(f)).map((f) => join(dir, f));
    logs.push(...files);
    const texts = files.map((f) => readFileSync(f, 'utf8'));
    t.diagnostic(`${texts.length} tunnels, at most ${atOnce(texts)} at once`);
    assert.ok(texts.length >= 2, `${texts.length} tunnels`);
    for (const text of texts) {
      assertOneImapSession(text);
      assert.match(text, /C: \S+ LOGIN carol \\<redacted \d+ bytes>\\r\\n/);
    }
  });

  for (const kind of ['smtps', 'submission'] as const) {
    it(`neomutt sends through tunnel to ${kind}${kind === 'submission' ? ' (STARTTLS at connect)' : ''}: delivered`, async (t) => {
      const s = servers(t, 'neomutt');
      if (!s) return;
      const port = kind === 'smtps' ? s.smtpsPort : s.submissionPort;
      const [alice, bob] = s.users;
      const home = join(dir, `neomutt-${kind}`);
      mkdirSync(home);
      const subject = `neomutt via ${kind}`;
      writeFileSync(join(home, 'rc'), [
        `set from="${alice.address}"`,
        `set smtp_url="smtp://${alice.name}@127.0.0.1:${port}/"`,
        `set smtp_pass="${alice.password}"`,
        'set smtp_authenticators="plain"',
        `set tunnel="${tunnelCommand(`${kind}://127.0.0.1:${port}`, s.caFile, `neomutt-${kind}`)}"`,
        'set ssl_starttls=no', 'set ssl_force_tls=no', 'set record=""', 'set copy=no', '',
      ].join('\n'));
      const r = await runClient('neomutt', ['-n', '-F', join(home, 'rc'), '-s', subject, bob.address], { env: { HOME: home }, input: 'hello R Q K\n' });
      assert.equal(r.code, 0, r.out);
      await s.waitForMessage(bob.name, (raw) => raw.includes(subject));
    });
  }

  it('Emacs smtpmail with tls-program = mailsh tunnel --emacs: RCPT TO arrives, the message is delivered', async (t) => {
    const s = servers(t, 'emacs');
    if (!s) return;
    const [alice, bob] = s.users;
    const authinfo = join(dir, 'authinfo');
    writeFileSync(authinfo, `machine 127.0.0.1 login ${alice.name} port ${s.smtpsPort} password ${alice.password}\n`, { mode: 0o600 });
    const el = join(dir, 'send.el');
    // Emacs 28 uses its own GnuTLS unless told it has none; then tls.el runs tls-program.
    writeFileSync(el, `(require 'smtpmail)
(require 'tls)
(fset 'gnutls-available-p (lambda (&rest _) nil))
(setq tls-program '(${JSON.stringify(tunnelCommand('smtps://127.0.0.1:%p', s.caFile, 'emacs', ' --emacs'))}))
(setq smtpmail-smtp-server "127.0.0.1" smtpmail-smtp-service ${s.smtpsPort} smtpmail-stream-type 'ssl
      smtpmail-smtp-user "${alice.name}" auth-sources '("${authinfo}") user-mail-address "${alice.address}")
(with-temp-buffer
  (insert "From: ${alice.address}\\nTo: ${bob.address}\\nSubject: emacs through the tunnel\\n" mail-header-separator "\\nRCPT in the body too\\n")
  (smtpmail-send-it))
`);
    const r = await runClient('emacs', ['--batch', '-Q', '-l', el]);
    assert.equal(r.code, 0, r.out);
    const log = readFileSync(join(dir, 'emacs.log'), 'utf8');
    assert.match(log, new RegExp(`C: RCPT TO:<${bob.address}>`));
    await s.waitForMessage(bob.name, (raw) => raw.includes('emacs through the tunnel'));
  });

  it('a binary APPEND (literal8: every byte value, lines starting with /, R, Q, K, {{) through the tunnel is fetched back by imaplib with an equal digest', async (t) => {
    const s = servers(t, 'python3');
    if (!s) return;
    const user = s.users[1];
    // Every byte value; CR and LF only as CRLF, which Dovecot stores as LF and gives back as CRLF (RFC 9051 §2.3.1 line ends).
    const all = Buffer.from([...Array(256).keys()].filter((b) => b !== 0x0a && b !== 0x0d));
    const lines = ['Subject: binary through the tunnel', '', 'R', 'Q', 'K', '/quit', '{{password}}', 'RCPT TO:<a@b>'].map((l) => Buffer.from(`${l}\r\n`));
    const message = Buffer.concat([...lines, all, Buffer.from('\r\n'), all.subarray(128), Buffer.from('\r\n.\r\n')]);
    const child = spawn(process.execPath, [CLI, 'tunnel', `imaps://127.0.0.1:${s.imapsPort}`, '--ca', s.caFile], { stdio: ['pipe', 'pipe', 'pipe'] });
    let got = '';
    const until = (re: RegExp): Promise<RegExpExecArray> => new Promise((resolve, reject) => {
      const check = (): void => {
        const m = re.exec(got);
        if (m) {
          child.stdout.off('data', on);
          resolve(m);
        }
      };
      const on = (d: Buffer): void => {
        got += d.toString('latin1');
        check();
      };
      child.stdout.on('data', on);
      child.once('close', () => reject(new Error(`the tunnel closed: ${got}`)));
      check();
    });
    await until(/^\* OK/m);
    child.stdin.write(`a LOGIN ${user.name} ${user.password}\r\n`);
    await until(/^a OK/m);
    child.stdin.write(Buffer.concat([Buffer.from(`b APPEND INBOX ~{${message.length}+}\r\n`), message, Buffer.from('\r\n')]));
    const [, uid] = await until(/^b OK \[APPENDUID \d+ (\d+)\]/m);
    child.stdin.end('c LOGOUT\r\n');
    await new Promise((r) => child.on('close', r));
    const fetched = await runPython<{ hex: string }>(`
import imaplib, json, ssl, sys
a = json.load(sys.stdin)
m = imaplib.IMAP4_SSL('127.0.0.1', a['port'], ssl_context=ssl.create_default_context(cafile=a['ca']))
m.login(a['user'], a['password'])
m.select('INBOX', readonly=True)
typ, data = m.uid('FETCH', a['uid'], '(BINARY.PEEK[])')
m.logout()
print(json.dumps({'hex': data[0][1].hex()}))
`, { port: s.imapsPort, ca: s.caFile, user: user.name, password: user.password, uid });
    const digest = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
    assert.equal(digest(Buffer.from(fetched.hex, 'hex')), digest(message));
  });

  it('--log: no file mailsh wrote holds the password, its base64 or the PLAIN blob', (t) => {
    const s = real(t);
    if (!s) return;
    const written = logs.filter((l) => existsSync(l));
    if (written.length === 0) return t.skip('skipped: no client ran');
    for (const user of s.users) {
      const forbidden = [user.password, Buffer.from(user.password).toString('base64'), Buffer.from(`\0${user.name}\0${user.password}`).toString('base64')];
      for (const file of written) {
        const text = readFileSync(file, 'latin1');
        for (const f of forbidden) assert.ok(!text.includes(f), `${file} holds ${f}`);
      }
    }
    for (const file of written) assert.match(readFileSync(file, 'utf8'), /redacted|== closed/);
  });
});
