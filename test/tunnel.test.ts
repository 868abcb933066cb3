/**
 * `mailsh tunnel` as a client program sees it (issue 18): a silent byte
 * pipe, verified TLS, STARTTLS at connect with the greeting replayed, exit 3
 * and nothing on stdout when TLS fails, the client's end and departure.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { getTestCerts, type TestCerts } from './support/certs.js';
import { CLI, runCli } from './support/run-cli.js';
import { smtpHandler, startScriptedServer, type ScriptedServer } from './support/scripted-server.js';

let certs: TestCerts;
let dir: string;
const closers: (() => Promise<void> | void)[] = [];
before(async () => {
  certs = await getTestCerts();
  dir = await mkdtemp(join(tmpdir(), 'mailsh-tunnel-'));
});
after(() => Promise.all(closers.map((c) => c())));

/** A TLS server that echoes every byte back and records them. */
async function tlsEcho(pair = certs.good): Promise<{ port: number; received: () => Buffer }> {
  const got: Buffer[] = [];
  const server = tls.createServer({ cert: readFileSync(pair.cert), key: readFileSync(pair.key), allowHalfOpen: true }, (s) => {
    s.on('data', (d: Buffer) => {
      got.push(d);
      s.write(d);
    });
    s.on('end', () => s.end());
    s.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  closers.push(() => new Promise<void>((r) => server.close(() => r())));
  return { port: (server.address() as net.AddressInfo).port, received: () => Buffer.concat(got) };
}

async function scripted(opts: Parameters<typeof startScriptedServer>[0]): Promise<ScriptedServer> {
  const s = await startScriptedServer(opts);
  closers.push(() => s.close());
  return s;
}

/**
 * Runs `mailsh tunnel ARGS` with `input` as stdin; stdout as bytes. Like a
 * mail client, it ends its input only once it has read `endWhen` (a server
 * that closes at the client's end of input then still answers first).
 */
function tunnel(args: string[], input: Buffer, endWhen?: string, nodeArgs: string[] = []): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, CLI, 'tunnel', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      out.push(d);
      if (endWhen !== undefined && Buffer.concat(out).includes(endWhen)) child.stdin.end();
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr }));
    if (endWhen === undefined) child.stdin.end(input);
    else child.stdin.write(input);
  });
}

/** Every byte value, bare CR and LF, and lines a shell or s_client would act on. */
function hostileBytes(): Buffer {
  const all = Buffer.alloc(256 * 4);
  for (let i = 0; i < all.length; i++) all[i] = i % 256;
  const lines = 'RCPT TO:<a@b>\r\nR\nQ\r\nK\r\n/quit\r\n{{password}}\r\n.\r\nQUIT\rbare CR\nbare LF\r\n';
  return Buffer.concat([Buffer.from(lines), all, Buffer.from(lines)]);
}

describe('mailsh tunnel: a byte pipe', () => {
  it('passes every byte both ways unchanged and writes nothing else (tls://, --ca)', async () => {
    const echo = await tlsEcho();
    const input = hostileBytes();
    const r = await tunnel([`tls://127.0.0.1:${echo.port}`, '--ca', certs.caCert], input);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    const digest = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
    assert.equal(digest(echo.received()), digest(input), 'the server got exactly the client bytes');
    assert.equal(digest(r.stdout), digest(input), 'the client got exactly the server bytes');
  });

  for (const [what, pair, reason] of [
    ['an expired certificate', () => certs.expired, /expired/],
    ['a certificate for another host', () => certs.wronghost, /host name mismatch/],
  ] as const) {
    it(`${what}: exit 3, one line on stderr, no byte on stdout`, async () => {
      const echo = await tlsEcho(pair());
      const r = await tunnel([`imaps://127.0.0.1:${echo.port}`, '--ca', certs.caCert], Buffer.from('a LOGIN alice secret\r\n'));
      assert.equal(r.code, 3);
      assert.equal(r.stdout.length, 0);
      assert.match(r.stderr, reason);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.equal(echo.received().length, 0, 'nothing reached the server');
    });
  }

  it('a refused connection: exit 3, one line, nothing on stdout', async () => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise((r) => server.close(r));
    const r = await tunnel([`imap://127.0.0.1:${port}`], Buffer.alloc(0));
    assert.equal(r.code, 3);
    assert.equal(r.stdout.length, 0);
    assert.match(r.stderr, /^mailsh: .*refused/);
  });

  it('a plain tcp:// tunnel carries the client\'s own STARTTLS untouched', async () => {
    const server = await scripted({ greeting: '220 test ESMTP\r\n', onLine: smtpHandler() });
    const r = await tunnel([`tcp://127.0.0.1:${server.port}`], Buffer.from('EHLO c\r\nQUIT\r\n'), '221 ');
    assert.equal(r.code, 0);
    assert.equal(server.conns[0].received().toString(), 'EHLO c\r\nQUIT\r\n');
    assert.match(r.stdout.toString(), /^220 test ESMTP\r\n250-test\r\n250-PIPELINING\r\n250 STARTTLS\r\n221/);
  });

  it('--emacs prints what tls.el waits for, once connected, before the server\'s bytes', async () => {
    const server = await scripted({ greeting: '220 test ESMTP\r\n', onLine: smtpHandler() });
    const r = await tunnel([`smtp://127.0.0.1:${server.port}`, '--emacs'], Buffer.from('QUIT\r\n'), '221 ');
    assert.equal(r.stdout.toString(), '- Handshake was completed\n- Simple Client Mode:\n220 test ESMTP\r\n221 2.0.0 bye\r\n');
  });

  it('end of input: passed on as a half-close; the server\'s last words still come, then exit 0', async () => {
    let sawEnd = false;
    const server = net.createServer({ allowHalfOpen: true }, (s) => {
      s.write('+OK hi\r\n');
      s.resume();
      s.on('end', () => {
        sawEnd = true;
        setTimeout(() => s.end('+OK slow bye\r\n'), 300);
      });
    });
    server.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    closers.push(() => new Promise<void>((r) => server.close(() => r())));
    const r = await tunnel([`pop3://127.0.0.1:${(server.address() as net.AddressInfo).port}`], Buffer.from('QUIT\r\n'));
    assert.equal(r.code, 0);
    assert.ok(sawEnd);
    assert.equal(r.stdout.toString(), '+OK hi\r\n+OK slow bye\r\n');
  });

  it('the client goes away mid-session: the server connection closes within 1 s, no stack trace', async () => {
    const server = await scripted({ greeting: '* OK hi\r\n', onLine: () => undefined });
    const child = spawn(process.execPath, [CLI, 'tunnel', `imap://127.0.0.1:${server.port}`], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise((r) => child.stdout.once('data', r));
    child.stdin.write('1 NOOP\r\n');
    await new Promise((r) => setTimeout(r, 100));
    // The client dies: both its ends of the pipes close, and the server speaks.
    const t0 = Date.now();
    child.stdout.destroy();
    child.stdin.destroy();
    server.conns[0].write('* 1 EXISTS\r\n');
    await server.firstClosed();
    assert.ok(Date.now() - t0 < 1000, `closed after ${Date.now() - t0} ms`);
    const code = await new Promise((r) => child.on('close', r));
    assert.equal(code, 0);
    assert.equal(stderr, '');
  });

  it('--log: LOGIN, AUTHENTICATE and literals masked, mode 0600', async () => {
    const server = await scripted({
      greeting: '* OK [CAPABILITY IMAP4rev1 SASL-IR LITERAL+ AUTH=PLAIN] hi\r\n',
      onLine: (line, conn) => {
        const [tag, verb] = line.split(' ');
        if (/\{\d+\+?\}$/.test(line) || !verb) return;
        if (verb === 'AUTHENTICATE' && line.split(' ').length === 3) conn.write('+ \r\n');
        else if (verb === 'LOGOUT') conn.end(`${tag} OK bye\r\n`);
        else if (/^[a-z0-9]+$/i.test(tag) && verb) conn.write(`${tag} OK done\r\n`);
      },
    });
    const log = join(dir, 'imap.log');
    const plain = Buffer.from('\0alice\0hunter2').toString('base64');
    const input = `1 LOGIN alice hunter2\r\n2 AUTHENTICATE PLAIN ${plain}\r\n3 LOGIN {5+}\r\nalice {7+}\r\nhunter2\r\n4 LOGOUT\r\n`;
    const r = await tunnel([`imap://127.0.0.1:${server.port}`, '--log', log], Buffer.from(input), '4 OK');
    assert.equal(r.code, 0);
    const text = readFileSync(log, 'utf8');
    assert.doesNotMatch(text, /hunter2/);
    assert.ok(!text.includes(plain));
    assert.match(text, /C: 1 LOGIN alice \\<redacted 7 bytes>\\r\\n/);
    assert.match(text, /C: 4 LOGOUT/);
    assert.match(text, /S: 4 OK bye/);
    assert.equal((await import('node:fs')).statSync(log).mode & 0o777, 0o600);
  });

  // A tunnel starts per connection (mbsync: once per sync), so start-up counts: it must not load the session's modules.
  it('loads only its own modules: no session, no transcript or protocol adapters without --log', async () => {
    const loaded = join(dir, 'loaded-modules.txt');
    // An ESM load hook (node:module register) that lists every file module the tunnel loads.
    const hook = `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(${JSON.stringify(loaded)}, url + '\\n');
  return next(url, context);
}`;
    const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
    const nodeArgs = ['--import', `data:text/javascript,${encodeURIComponent(register)}`];
    const modules = async (extra: string[]): Promise<string[]> => {
      writeFileSync(loaded, '');
      const echo = await tlsEcho();
      const r = await tunnel([`tls://127.0.0.1:${echo.port}`, '--ca', certs.caCert, ...extra], Buffer.from('hello\r\n'), undefined, nodeArgs);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.toString(), 'hello\r\n');
      return readFileSync(loaded, 'utf8').split('\n').filter(Boolean).map((url) => url.replace(/^.*\/dist\/src\//, ''));
    };
    const plain = await modules([]);
    assert.ok(plain.includes('cli/tunnel-command.js') && plain.includes('transport/connection.js'), plain.join(' '));
    for (const unwanted of ['session/session.js', 'repl/script-runner.js', 'transcript/transcript.js', 'tunnel/observer.js', 'tunnel/starttls-first.js', 'protocol/detect.js']) {
      assert.ok(!plain.includes(unwanted), `${unwanted} was loaded: ${plain.join(' ')}`);
    }
    // The hook sees the lazily loaded ones: --log loads the transcript and the observer.
    const logged = await modules(['--log', join(dir, 'modules.log')]);
    assert.ok(logged.includes('transcript/transcript.js') && logged.includes('tunnel/observer.js'), logged.join(' '));
  });

  it('usage: no target is exit 2', async () => {
    const r = await runCli(['tunnel']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
  });
});
