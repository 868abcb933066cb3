/**
 * Real mail clients through `mailsh proxy` to real Dovecot and Postfix
 * (issue 18 test 9): mbsync and neomutt with STARTTLS not offered (the
 * proxy refuses it) and with STARTTLS ended by the proxy (--listen-cert);
 * offlineimap with three connections at once; every transcript masked.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import tls from 'node:tls';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { deliver } from './support/deliver.js';
import { localFolders, offlineimapRun, seedFolders, serverFolders } from './support/offlineimap.js';
import { assertOneImapSession, atOnce } from './support/session-transcripts.js';
import { clientServers, runClient } from './support/mail-clients.js';
import { startProxy, talk, type Proxy } from './support/proxy.js';
import { useRealServers } from './support/real-fixture.js';
import type { RealServers } from './support/real-servers.js';

const real = useRealServers();
let dir: string;
const proxies: Proxy[] = [];
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mailsh-proxy-clients-'));
});
after(() => proxies.forEach((p) => p.kill()));

const servers = (t: TestContext, client: string): RealServers | undefined => clientServers(real, t, client);

/** A proxy to `url` with its own log directory; `terminate`: it ends the clients' STARTTLS with the servers' certificate. */
async function proxyTo(s: RealServers, url: string, name: string, terminate: boolean): Promise<{ proxy: Proxy; logDir: string }> {
  const logDir = join(dir, name);
  const tlsArgs = terminate ? ['--listen-cert', s.certs.good.cert, '--listen-key', s.certs.good.key] : [];
  const proxy = await startProxy([url, '--ca', s.caFile, '--log-dir', logDir, ...tlsArgs]);
  proxies.push(proxy);
  return { proxy, logDir };
}

/** Stops the proxy; every transcript it wrote is free of the user's password in every form. */
async function stopAndCheck(s: RealServers, proxy: Proxy, logDir: string, sessions: number, users = s.users.slice(0, 2)): Promise<string[]> {
  const { code, stderr } = await proxy.stop();
  assert.equal(code, 0);
  assert.equal(stderr.match(/mailsh proxy: #\d+ /g)?.length, sessions, stderr);
  const texts = readdirSync(logDir).map((f) => readFileSync(join(logDir, f), 'latin1'));
  assert.equal(texts.length, sessions);
  for (const user of users) {
    const forbidden = [user.password, Buffer.from(user.password).toString('base64'), Buffer.from(`\0${user.name}\0${user.password}`).toString('base64')];
    for (const text of texts) for (const f of forbidden) assert.ok(!text.includes(f), `a transcript holds ${f}`);
  }
  return texts;
}

/** Reads from `sock` until `until` shows; what came. */
function readUntil(sock: net.Socket, until: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const on = (d: Buffer): void => {
      got += d.toString('latin1');
      if (!until.test(got)) return;
      sock.off('data', on);
      resolve(got);
    };
    sock.on('data', on);
    sock.once('close', () => reject(new Error(`closed: ${got}`)));
  });
}

describe('ManageSieve through mailsh proxy to Dovecot (sieve://: STARTTLS at connect by mailsh)', () => {
  it('STARTTLS not offered: the capabilities without it, AUTHENTICATE masked', async (t) => {
    const s = real(t);
    if (!s) return;
    const [alice] = s.users;
    const { proxy, logDir } = await proxyTo(s, `sieve://127.0.0.1:${s.sievePort}`, 'sieve-refused', false);
    const plain = Buffer.from(`\0${alice.name}\0${alice.password}`).toString('base64');
    const got = await talk(proxy.port, [[/^OK .*\r\n/m, `AUTHENTICATE "PLAIN" "${plain}"\r\n`], [/^OK/m, 'LOGOUT\r\n']]);
    assert.match(got, /^"IMPLEMENTATION" "Dovecot/);
    assert.doesNotMatch(got, /STARTTLS|-PLUS/);
    assert.match(got, /\r\nOK "?Logged in/i);
    const [text] = await stopAndCheck(s, proxy, logDir, 1);
    assert.match(text, /C: AUTHENTICATE "PLAIN" \\<redacted \d+ bytes>/);
  });

  it('STARTTLS ended by the proxy: offered, then the server\'s capabilities again over TLS', async (t) => {
    const s = real(t);
    if (!s) return;
    const { proxy, logDir } = await proxyTo(s, `sieve://127.0.0.1:${s.sievePort}`, 'sieve-ended', true);
    const sock = net.connect(proxy.port, '127.0.0.1');
    const greeting = await readUntil(sock, /^OK .*\r\n/m);
    assert.match(greeting, /"STARTTLS"\r\nOK /);
    sock.write('STARTTLS\r\n');
    assert.match(await readUntil(sock, /\r\n/), /^OK /);
    const secure = tls.connect({ socket: sock, ca: readFileSync(s.caFile), servername: 'localhost' });
    const again = await readUntil(secure, /^OK .*\r\n/m);
    assert.match(again, /^"IMPLEMENTATION" "Dovecot/);
    assert.doesNotMatch(again, /STARTTLS/);
    secure.write('LOGOUT\r\n');
    await new Promise((r) => secure.once('close', r));
    const [text] = await stopAndCheck(s, proxy, logDir, 1);
    assert.match(text, /C: CAPABILITY\\r\\n/);
  });
});

describe('real clients through mailsh proxy', () => {
  for (const terminate of [false, true]) {
    const how = terminate ? 'STARTTLS ended by the proxy' : 'STARTTLS not offered';
    it(`mbsync to Dovecot IMAPS (${how}): the Maildir is synced`, async (t) => {
      const s = servers(t, 'mbsync');
      if (!s) return;
      const [alice] = s.users;
      const subject = `for mbsync through the proxy, ${how}`;
      await deliver(s, alice.address, subject);
      await s.waitForMessage(alice.name, (raw) => raw.includes(subject));
      const { proxy, logDir } = await proxyTo(s, `imaps://127.0.0.1:${s.imapsPort}`, `mbsync-${terminate}`, terminate);
      const box = join(dir, `mb-${terminate}`);
      mkdirSync(box);
      const rc = join(dir, `mbsyncrc-${terminate}`);
      const tls = terminate ? `SSLType STARTTLS\nCertificateFile ${s.caFile}\n` : 'SSLType None\nAuthMechs LOGIN\n';
      writeFileSync(rc, `IMAPAccount acct\nHost localhost\nPort ${proxy.port}\nUser ${alice.name}\nPass ${alice.password}\n${tls}\nIMAPStore remote\nAccount acct\n\nMaildirStore local\nPath ${box}/\nInbox ${box}/INBOX\n\nChannel ch\nFar :remote:\nNear :local:\nPatterns INBOX\nCreate Near\nSyncState *\n`);
      const r = await runClient('mbsync', ['-c', rc, '-a']);
      assert.equal(r.code, 0, r.out);
      const synced = ['new', 'cur'].flatMap((d) => readdirSync(join(box, 'INBOX', d)).map((f) => readFileSync(join(box, 'INBOX', d, f), 'latin1')));
      assert.ok(synced.some((m) => m.includes(subject)), r.out);
      const [text] = await stopAndCheck(s, proxy, logDir, 1);
      if (terminate) assert.match(text, /the client's TLS started/);
      assert.match(text, /C: \S+ (LOGIN|AUTHENTICATE) /);
      assert.match(text, /S: \S+ OK .*Logged in/);
    });

    it(`neomutt sends to Postfix smtps (${how}): delivered`, async (t) => {
      const s = servers(t, 'neomutt');
      if (!s) return;
      const [alice, bob] = s.users;
      const { proxy, logDir } = await proxyTo(s, `smtps://127.0.0.1:${s.smtpsPort}`, `neomutt-${terminate}`, terminate);
      const home = join(dir, `neomutt-home-${terminate}`);
      mkdirSync(home);
      const subject = `neomutt via mailsh proxy, ${how}`;
      writeFileSync(join(home, 'rc'), [
        `set from="${alice.address}"`,
        `set smtp_url="smtp://${alice.name}@localhost:${proxy.port}/"`,
        `set smtp_pass="${alice.password}"`,
        'set smtp_authenticators="plain"',
        ...(terminate ? ['set ssl_starttls=yes', 'set ssl_force_tls=yes', `set certificate_file="${join(home, 'certs')}"`, `set ssl_ca_certificates_file="${s.caFile}"`] : ['set ssl_starttls=no', 'set ssl_force_tls=no']),
        'set record=""', 'set copy=no', '',
      ].join('\n'));
      const r = await runClient('neomutt', ['-n', '-F', join(home, 'rc'), '-s', subject, bob.address], { env: { HOME: home }, input: 'hello through the proxy\n' });
      assert.equal(r.code, 0, r.out);
      await s.waitForMessage(bob.name, (raw) => raw.includes(subject));
      const [text] = await stopAndCheck(s, proxy, logDir, 1);
      assert.match(text, /C: AUTH PLAIN \\<redacted \d+ bytes>/);
      if (terminate) assert.match(text, /the client's STARTTLS was answered by mailsh, not forwarded: 220/);
    });
  }

  it('offlineimap with maxconnections = 3 syncs six folders through the proxy: the Maildir equals the server; one masked 0600 transcript per connection, connections at once, none interleaved', async (t) => {
    const s = servers(t, 'offlineimap');
    if (!s) return;
    // carol: a mailbox no other test here touches; her password holds `"` and `!`.
    const carol = s.users[2];
    await seedFolders(s, carol, 3);
    const { proxy, logDir } = await proxyTo(s, `imaps://127.0.0.1:${s.imapsPort}`, 'offlineimap', false);
    const { args, mail } = offlineimapRun(join(dir, 'offlineimap-home'), [
      'remotehost = 127.0.0.1', `remoteport = ${proxy.port}`, `remoteuser = ${carol.name}`, `remotepass = ${carol.password}`,
      'ssl = no', 'starttls = no', 'auth_mechanisms = PLAIN', 'maxconnections = 3',
    ]);
    const r = await runClient('offlineimap', args);
    assert.equal(r.code, 0, r.out);
    assert.doesNotMatch(r.out, /ERROR/, r.out);
    assert.deepEqual(localFolders(mail), await serverFolders(s, carol));
    const files = readdirSync(logDir).map((f) => join(logDir, f));
    for (const f of files) assert.equal(statSync(f).mode & 0o777, 0o600, f);
    const texts = await stopAndCheck(s, proxy, logDir, files.length, [carol]);
    t.diagnostic(`${texts.length} connections, at most ${atOnce(texts)} at once`);
    assert.ok(texts.length >= 2, `${texts.length} connections`);
    assert.ok(atOnce(texts) >= 2, 'the connections overlapped');
    for (const text of texts) assertOneImapSession(text);
  });
});
