/**
 * `mailsh proxy` as a client on this machine meets it (issue 18): scripted
 * TLS servers upstream; capabilities the proxy cannot carry taken out; the
 * client's STARTTLS refused here, never forwarded; several connections at
 * once with a masked transcript each; a protocol-shaped refusal when the
 * server's TLS fails; one summary line per connection; Ctrl-C stops it.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { getTestCerts, type CertPair, type TestCerts } from './support/certs.js';
import { startProxy as start, talk } from './support/proxy.js';
import { runCli } from './support/run-cli.js';
import { runInProcess } from './support/run-in-process.js';
import { startScriptedServer, type LineHandler, type ScriptedServer } from './support/scripted-server.js';

let certs: TestCerts;
let dir: string;
const closers: (() => Promise<void> | void)[] = [];
before(async () => {
  certs = await getTestCerts();
  dir = await mkdtemp(join(tmpdir(), 'mailsh-proxy-'));
});
after(() => Promise.all(closers.map((c) => c())));

async function startProxy(args: string[]): ReturnType<typeof start> {
  const proxy = await start(args);
  closers.push(() => proxy.kill());
  return proxy;
}

async function tlsServer(onLine: LineHandler, greeting: string, tlsCert: CertPair = certs.good): Promise<ScriptedServer> {
  const s = await startScriptedServer({ greeting, onLine, tlsCert });
  closers.push(() => s.close());
  return s;
}

const IMAP_CAPS = 'IMAP4rev1 SASL-IR LITERAL+ STARTTLS COMPRESS=DEFLATE AUTH=PLAIN AUTH=SCRAM-SHA-256 AUTH=SCRAM-SHA-256-PLUS';

/** A small IMAP server: every tagged command OK, LOGOUT says bye and closes. */
const imapLines: LineHandler = (line, conn) => {
  const [tag, verb] = line.split(' ');
  if (!verb) return;
  if (/^CAPABILITY$/i.test(verb)) conn.write(`* CAPABILITY ${IMAP_CAPS}\r\n${tag} OK done\r\n`);
  else if (/^LOGOUT$/i.test(verb)) conn.end(`* BYE bye\r\n${tag} OK bye\r\n`);
  else conn.write(`${tag} OK [CAPABILITY ${IMAP_CAPS}] done\r\n`);
};

/** A small SMTP server offering what a proxy must not pass on; DATA text until the lone `.` goes unanswered. */
function smtpLinesFactory(): LineHandler {
  const inData = new WeakSet<object>();
  return (line, conn) => {
    if (inData.has(conn)) {
      if (line === '.') {
        inData.delete(conn);
        conn.write('250 queued\r\n');
      } else if (line === 'x') conn.write('x\r\n');
      return;
    }
    if (/^EHLO/i.test(line)) conn.write('250-test\r\n250-STARTTLS\r\n250-AUTH PLAIN SCRAM-SHA-1-PLUS\r\n250 STARTTLS\r\n');
    else if (/^DATA/i.test(line)) {
      inData.add(conn);
      conn.write('354 go\r\n');
    } else if (/^QUIT/i.test(line)) conn.end('221 bye\r\n');
    else conn.write('250 ok\r\n');
  };
}
const smtpLines = smtpLinesFactory();

describe('mailsh proxy', () => {
  it('IMAP: STARTTLS, COMPRESS=DEFLATE and SCRAM-*-PLUS are taken out; the client\'s STARTTLS is refused here; a 0600 transcript without the password', async () => {
    const server = await tlsServer(imapLines, `* OK [CAPABILITY ${IMAP_CAPS}] hi\r\n`);
    const logDir = join(dir, 'one');
    const proxy = await startProxy([`imaps://127.0.0.1:${server.port}`, '--ca', certs.caCert, '--log-dir', logDir]);
    const got = await talk(proxy.port, [
      ['hi\r\n', 'a1 CAPABILITY\r\n'],
      ['a1 OK', 'a2 STARTTLS\r\n'],
      ['a2 ', 'a3 LOGIN alice hunter2\r\n'],
      ['a3 OK', 'a4 LOGOUT\r\n'],
    ]);
    const caps = 'IMAP4rev1 SASL-IR LITERAL+ AUTH=PLAIN AUTH=SCRAM-SHA-256';
    assert.equal(got, `* OK [CAPABILITY ${caps}] hi\r\n* CAPABILITY ${caps}\r\na1 OK done\r\n` +
      'a2 NO TLS to the client is not available through mailsh proxy (start it with --listen-cert/--listen-key)\r\n' +
      `a3 OK [CAPABILITY ${caps}] done\r\n* BYE bye\r\na4 OK bye\r\n`);
    assert.doesNotMatch(server.conns[0].received().toString(), /STARTTLS/, 'STARTTLS never reaches the server');
    const { code, stderr } = await proxy.stop();
    assert.equal(code, 0);
    assert.match(stderr, /mailsh proxy: #1 127\.0\.0\.1:\d+: closed by the server, [\d.]+ s, \d+ bytes up, \d+ down, .*-1\.log\n/);
    const [file] = readdirSync(logDir);
    const text = readFileSync(join(logDir, file), 'utf8');
    assert.equal(statSync(join(logDir, file)).mode & 0o777, 0o600);
    assert.doesNotMatch(text, /hunter2/);
    assert.match(text, /C: a3 LOGIN alice \\<redacted 7 bytes>\\r\\n/);
    assert.match(text, /== the client's STARTTLS was answered by mailsh, not forwarded: a2 NO/);
    assert.match(text, /S: \* OK \[CAPABILITY IMAP4rev1 SASL-IR LITERAL\+ STARTTLS/, 'the transcript holds what the server said');
  });

  it('SMTP and POP3: STARTTLS/STLS out of EHLO and CAPA, refused with 454 and -ERR', async () => {
    const smtp = await tlsServer(smtpLines, '220 test ESMTP\r\n');
    const pop3 = await tlsServer((line, conn) => {
      if (/^CAPA/i.test(line)) conn.write('+OK caps\r\nUSER\r\nSTLS\r\nSASL PLAIN SCRAM-SHA-1-PLUS\r\n.\r\n');
      else if (/^QUIT/i.test(line)) conn.end('+OK bye\r\n');
      else conn.write('+OK\r\n');
    }, '+OK hi\r\n');
    const p1 = await startProxy([`smtps://127.0.0.1:${smtp.port}`, '--ca', certs.caCert]);
    const p2 = await startProxy([`pop3s://127.0.0.1:${pop3.port}`, '--ca', certs.caCert]);
    const [s, p] = await Promise.all([
      talk(p1.port, [['220 ', 'EHLO me\r\n'], ['250 ', 'STARTTLS\r\n'], ['454 ', 'QUIT\r\n']]),
      talk(p2.port, [['+OK hi', 'CAPA\r\n'], ['.\r\n', 'STLS\r\n'], ['-ERR', 'QUIT\r\n']]),
    ]);
    assert.equal(s, '220 test ESMTP\r\n250-test\r\n250 AUTH PLAIN\r\n454 4.7.0 TLS to the client is not available through mailsh proxy (start it with --listen-cert/--listen-key)\r\n221 bye\r\n');
    assert.equal(p, '+OK hi\r\n+OK caps\r\nUSER\r\nSASL PLAIN\r\n.\r\n-ERR TLS to the client is not available through mailsh proxy (start it with --listen-cert/--listen-key)\r\n+OK bye\r\n');
    assert.equal(smtp.conns[0].received().toString(), 'EHLO me\r\nQUIT\r\n');
    assert.equal(pop3.conns[0].received().toString(), 'CAPA\r\nQUIT\r\n');
    await Promise.all([p1.stop(), p2.stop()]);
  });

  it('a STARTTLS at the end of a pipelined group is answered after the replies before it, and not forwarded; one in DATA is data', async () => {
    const smtp = await tlsServer(smtpLines, '220 test ESMTP\r\n');
    const proxy = await startProxy([`smtps://127.0.0.1:${smtp.port}`, '--ca', certs.caCert]);
    const got = await talk(proxy.port, [['220 ', 'EHLO me\r\nRSET\r\nSTARTTLS\r\n'], ['454 ', 'DATA\r\n'], ['354', 'x\r\nSTARTTLS\r\n'], [/^x/m, '.\r\nQUIT\r\n']]);
    assert.match(got, /^220 test ESMTP\r\n250-test\r\n250 AUTH PLAIN\r\n250 ok\r\n454 4\.7\.0 /);
    assert.equal(smtp.conns[0].received().toString(), 'EHLO me\r\nRSET\r\nDATA\r\nx\r\nSTARTTLS\r\n.\r\nQUIT\r\n');
    await proxy.stop();
  });

  it('--listen-cert/--listen-key: the proxy offers STARTTLS and ends the client\'s TLS itself', async () => {
    const server = await tlsServer(imapLines, `* OK [CAPABILITY ${IMAP_CAPS}] hi\r\n`);
    const proxy = await startProxy([`imaps://127.0.0.1:${server.port}`, '--ca', certs.caCert, '--listen-cert', certs.good.cert, '--listen-key', certs.good.key]);
    const sock = net.connect(proxy.port, '127.0.0.1');
    const read = (s: net.Socket, until: string): Promise<string> => new Promise((resolve) => {
      let got = '';
      const on = (d: Buffer): void => {
        got += d.toString();
        if (got.includes(until)) {
          s.off('data', on);
          resolve(got);
        }
      };
      s.on('data', on);
    });
    const greeting = await read(sock, 'hi\r\n');
    assert.match(greeting, /\[CAPABILITY IMAP4rev1 SASL-IR LITERAL\+ AUTH=PLAIN AUTH=SCRAM-SHA-256 STARTTLS\]/);
    sock.write('a1 STARTTLS\r\n');
    assert.equal(await read(sock, '\r\n'), 'a1 OK Begin TLS negotiation now\r\n');
    const secure = tls.connect({ socket: sock, ca: readFileSync(certs.caCert), servername: 'localhost' });
    await new Promise((r) => secure.once('secureConnect', r));
    secure.write('a2 CAPABILITY\r\n');
    assert.equal(await read(secure, 'a2 OK'), '* CAPABILITY IMAP4rev1 SASL-IR LITERAL+ AUTH=PLAIN AUTH=SCRAM-SHA-256\r\na2 OK done\r\n');
    secure.write('a3 LOGOUT\r\n');
    await read(secure, 'a3 OK');
    assert.equal(server.conns[0].received().toString(), 'a2 CAPABILITY\r\na3 LOGOUT\r\n');
    await proxy.stop();
  });

  it('three connections at once: each its own transcript, none holds a password, nothing interleaved', async () => {
    const server = await tlsServer(async (line, conn) => {
      // Slow replies, so that the three sessions overlap.
      await new Promise((r) => setTimeout(r, 30));
      imapLines(line, conn);
    }, '* OK hi\r\n');
    const logDir = join(dir, 'three');
    const proxy = await startProxy([`imaps://127.0.0.1:${server.port}`, '--ca', certs.caCert, '--log-dir', logDir]);
    const users = ['u1', 'u2', 'u3'];
    await Promise.all(users.map((u) => talk(proxy.port, [
      ['hi\r\n', `${u}a LOGIN ${u} pw-${u}-secret\r\n`],
      [`${u}a OK`, `${u}b NOOP\r\n`],
      [`${u}b OK`, `${u}c LOGOUT\r\n`],
    ])));
    const { stderr } = await proxy.stop();
    assert.equal(stderr.match(/: closed by the server,/g)?.length, 3, stderr);
    const files = readdirSync(logDir);
    assert.equal(files.length, 3);
    const owners = files.map((f) => {
      const text = readFileSync(join(logDir, f), 'utf8');
      assert.doesNotMatch(text, /pw-u\d-secret/);
      const tags = [...text.matchAll(/[CS]: (u\d)[abc] /g)].map((m) => m[1]);
      assert.equal(new Set(tags).size, 1, `one session per file: ${text}`);
      assert.equal(tags.length, 6, text);
      return tags[0];
    });
    assert.deepEqual(owners.sort(), users);
  });

  for (const [scheme, refusal] of [['imaps', /^\* BYE mailsh proxy: .*certificate has expired.*\r\n$/], ['smtps', /^421 4\.4\.0 mailsh proxy: .*expired.*\r\n$/], ['pop3s', /^-ERR mailsh proxy: .*expired.*\r\n$/]] as const) {
    it(`${scheme}: the server's TLS fails: the client gets ${String(refusal).slice(2, 9)}…, the proxy goes on`, async () => {
      const bad = await tlsServer(() => undefined, '', certs.expired);
      const proxy = await startProxy([`${scheme}://127.0.0.1:${bad.port}`, '--ca', certs.caCert]);
      const got = await talk(proxy.port, []);
      assert.match(got, refusal);
      assert.match(proxy.stderr(), /#1 .*: refused: .*expired/);
      // The next connection is served as well: the listener is not affected.
      assert.match(await talk(proxy.port, []), refusal);
      const { code } = await proxy.stop();
      assert.equal(code, 0);
    });
  }

  it('an unreadable --listen-cert or --log-dir is one line and exit 2, before listening', async () => {
    const missing = await runInProcess(['proxy', '--listen', '0', '--listen-cert', '/nonexistent/cert.pem', '--listen-key', '/nonexistent/key.pem', 'imaps://127.0.0.1:1']);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, 'mailsh: cannot read --listen-cert /nonexistent/cert.pem: ENOENT\n');
    const logDir = await runInProcess(['proxy', '--listen', '0', '--log-dir', '/etc/hostname/logs', 'imaps://127.0.0.1:1']);
    assert.equal(logDir.code, 2);
    assert.match(logDir.stderr, /^mailsh: --log-dir \/etc\/hostname\/logs: ENOTDIR\n$/);
  });

  it('usage: no --listen is exit 2', async () => {
    const r = await runCli(['proxy', 'imaps://127.0.0.1:1']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--listen/);
  });
});
