/**
 * `mailsh try` and `mailsh sandbox` in a real terminal (node-pty): the
 * banner, a typed session against the built-in servers, Ctrl-D ending both
 * the shell and the sandbox, and Ctrl-C stopping `mailsh sandbox` cleanly.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { after, afterEach, describe, it } from 'node:test';
import { killAllPtys, spawnCli, type PtySession } from './support/pty-session.js';
import { CLI } from './support/run-cli.js';
import { runInProcess } from './support/run-in-process.js';

afterEach(() => killAllPtys());

/** Types each input and waits until the output after it shows what is expected. */
async function steps(cli: PtySession, pairs: [string, string | RegExp][]): Promise<void> {
  for (const [typed, shown] of pairs) {
    const mark = cli.mark();
    cli.type(typed);
    await cli.waitFor(shown, 5000, mark);
  }
}
after(() => killAllPtys());

describe('mailsh try', () => {
  it('try imap with nothing but Node (empty PATH: no openssl): banner, LOGIN, SELECT, FETCH, Ctrl-D ends both', async () => {
    const cli = spawnCli(['try', 'imap', '--port-base', '0'], { env: { PATH: '' } });
    await cli.waitFor('try typing:', 15_000);
    await cli.waitFor('login demo demo');
    await cli.waitForLine('imap> ', 10_000);
    await steps(cli, [
      ['login demo demo\r', /A001 OK \[CAPABILITY [^\]]*\] Logged in/],
      ['select INBOX\r', 'A002 OK [READ-WRITE]'],
      ['fetch 1 (flags body[text])\r', /This mailbox lives in memory[^]*A003 OK Fetch completed/],
    ]);
    await cli.waitForLine('imap INBOX> ');
    await steps(cli, [['\x04', 'A004 OK Logout completed']]);
    assert.equal(await cli.exited, 0);
    assert.doesNotMatch(cli.screen(), /internal error|BAD/);
  });

  it('try smtp: the EHLO / MAIL FROM / RCPT TO / DATA walk delivers to demo; relay is refused', async () => {
    const cli = spawnCli(['try', 'smtp', '--port-base', '0']);
    await cli.waitFor('RCPT TO:<demo@localhost>', 15_000);
    await cli.waitForLine('smtp> ', 10_000);
    await steps(cli, [
      ['EHLO client.example\r', 'S: 250 SIZE'],
      ['MAIL FROM:<me@example.org>\r', 'S: 250 Accepted'],
      ['RCPT TO:<someone@example.com>\r', '554 5.7.1 <someone@example.com>: Relay access denied'],
      ['RCPT TO:<demo@localhost>\r', 'S: 250 Accepted'],
      ['DATA\r', 'S: 354'],
    ]);
    await cli.waitForLine('smtp data> ');
    await steps(cli, [
      ['Subject: hello\r\rHi there!\r.\r', '250 2.0.0 Ok: delivered to 1 local mailbox'],
      ['QUIT\r', 'S: 221'],
    ]);
    assert.equal(await cli.exited, 0);
  });

  it('try pop3 --tls: implicit TLS verified against the sandbox CA; USER, PASS, RETR', async () => {
    const cli = spawnCli(['try', 'pop3', '--tls', '--port-base', '0']);
    await cli.waitFor('certificate verified', 15_000);
    await cli.waitForLine(/^pop3\+tls> $/, 10_000);
    await steps(cli, [
      ['USER demo\r', '+OK Send PASS'],
      ['PASS demo\r', '+OK Logged in, 1 messages'],
      ['RETR 1\r', 'Subject: Welcome to the mailsh sandbox'],
      ['\x04', '+OK Logging out'],
    ]);
    assert.equal(await cli.exited, 0);
  });

  it('try smtp --tls from a pipe: SMTPS wants AUTH first; the banner\'s AUTH PLAIN line works as shown', async () => {
    const banner = /^    (AUTH PLAIN .+)$/m;
    const r = await runInProcess(['try', 'smtp', '--tls', '--port-base', '0'], ['EHLO client.example\nMAIL FROM:<me@example.org>\n']);
    assert.equal(r.code, 1, 'MAIL before AUTH is refused');
    assert.match(r.stdout, /^S: 530 /m);
    const auth = banner.exec(r.stdout)?.[1];
    assert.ok(auth, r.stdout);
    const ok = await runInProcess(['try', 'smtp', '--tls', '--port-base', '0'], [`EHLO client.example\n${auth}\nMAIL FROM:<me@example.org>\nRCPT TO:<demo@localhost>\n`]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^C: AUTH PLAIN <redacted \d+ bytes>\nS: 235 /m);
    assert.match(ok.stderr, /certificate verified/);
  });

  it('try with a wrong protocol is a usage error', async () => {
    const r = await runInProcess(['try', 'gopher']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^mailsh: usage: mailsh try imap\|smtp\|pop3/);
  });
});

describe('mailsh sandbox', () => {
  it('prints SERVICE URL, user and ca lines; mailsh sessions use them; Ctrl-C stops it cleanly', async () => {
    const cli = spawnCli(['sandbox', '--port-base', '0', '--user', 'kim:se:cret']);
    const screen = await cli.waitFor(/Ctrl-C stops it/, 15_000);
    const lines = screen.split(/\r?\n/);
    const services = ['smtp', 'submission', 'smtps', 'imap', 'imaps', 'pop3', 'pop3s'].map((name) => {
      const line = lines.find((l) => l.startsWith(`${name} `));
      assert.match(line ?? '', new RegExp(`^${name} ${name}://127\\.0\\.0\\.1:\\d+$`));
      return line!.split(' ')[1];
    });
    assert.ok(lines.includes('user kim se:cret'), 'the password may contain ":"');
    const ca = lines.find((l) => l.startsWith('ca '))!.slice(3);
    assert.ok(existsSync(ca));

    const imaps = await runInProcess([services[4], '--ca', ca], ['login kim se:cret\nselect INBOX\nlogout\n']);
    assert.equal(imaps.code, 0, imaps.stdout + imaps.stderr);
    assert.match(imaps.stdout, /^S: A002 OK \[READ-WRITE\]/m);
    assert.match(imaps.stderr, /certificate verified/);

    cli.type('\x03');
    await cli.waitFor('mailsh sandbox stopped');
    assert.equal(await cli.exited, 0);
    assert.equal(existsSync(ca), false, 'the CA file is removed on stop');
  });

  it('--json prints one object; SIGINT stops it with status 0', async () => {
    const child = spawn(process.execPath, [CLI, 'sandbox', '--port-base', '0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const first = await new Promise<string>((resolve) => {
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
      });
    });
    const parsed = JSON.parse(first) as { services: Record<string, string>; users: { name: string; password: string; address: string }[]; ca: string };
    assert.deepEqual(Object.keys(parsed.services), ['smtp', 'submission', 'smtps', 'imap', 'imaps', 'pop3', 'pop3s']);
    assert.deepEqual(parsed.users, [{ name: 'demo', password: 'demo', address: 'demo@localhost' }]);
    assert.ok(existsSync(parsed.ca));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.kill('SIGINT');
    assert.equal(await exited, 0);
  });

  it('a bad --user or --port-base is a usage error; a busy port a clear connection error', async () => {
    const bad = await runInProcess(['sandbox', '--user', 'nopassword']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^mailsh: --user needs NAME:PASSWORD/);
    const twice = await runInProcess(['sandbox', '--user', 'kim:a', '--user', 'Kim:b']);
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /^mailsh: --user Kim is given twice/);
    const base = await runInProcess(['sandbox', '--port-base', '99999']);
    assert.equal(base.code, 2);
    assert.match(base.stderr, /^mailsh: --port-base needs a number from 0 to 64000/);
    // Hold the port SMTP would get (base + 525).
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const held = (holder.address() as net.AddressInfo).port;
    const busy = await runInProcess(['sandbox', '--port-base', String(held - 525)]);
    holder.close();
    assert.equal(busy.code, 3);
    assert.equal(busy.stderr, `mailsh: cannot listen for smtp on 127.0.0.1:${held}: the port is in use (another sandbox? try --port-base N)\n`);
  });
});
