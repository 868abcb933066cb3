import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getTestCerts, type TestCerts } from './support/certs.js';
import { runCli } from './support/run-cli.js';
import { runInProcess } from './support/run-in-process.js';
import { smtpHandler, startScriptedServer, type ScriptedServer } from './support/scripted-server.js';

const servers: ScriptedServer[] = [];
async function server(opts: Parameters<typeof startScriptedServer>[0]): Promise<ScriptedServer> {
  const s = await startScriptedServer(opts);
  servers.push(s);
  return s;
}
after(() => Promise.all(servers.map((s) => s.close())));

let certs: TestCerts;
before(async () => {
  certs = await getTestCerts();
});
const tmp = mkdtempSync(join(tmpdir(), 'mailsh-test-'));

describe('line discipline on the wire', () => {
  it('piped lines end in exactly one CRLF however input is split; R, Q, k, K are plain lines', async () => {
    const s = await server({ greeting: '220 hi\r\n', onLine: smtpHandler() });
    const input = ['EHLO me\r', '\nR\nQ\rk\r', '\r\nK\n', 'RCPT TO:<a@b.c>\r\n', 'QUIT'];
    const r = await runInProcess(['-p', 'smtp', `127.0.0.1:${s.port}`], input);
    assert.equal(r.code, 0, r.stderr);
    const got = (await s.firstClosed()).toString('latin1');
    assert.equal(got, 'EHLO me\r\nR\r\nQ\r\nk\r\n\r\nK\r\nRCPT TO:<a@b.c>\r\nQUIT\r\n');
  });

  it('a script file on standard input (< FILE) is read whole, with the same line ends as a pipe; < /dev/null just quits', async () => {
    const s = await server({ greeting: '220 hi\r\n', onLine: smtpHandler() });
    const file = join(tmp, 'stdin-script.smtp');
    writeFileSync(file, 'EHLO me\r\n\nR\rQ\r\nNOOP');
    const r = await runCli(['-p', 'smtp', `127.0.0.1:${s.port}`], [], {}, { stdinFile: file });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await s.firstClosed()).toString('latin1'), 'EHLO me\r\n\r\nR\r\nQ\r\nNOOP\r\nQUIT\r\n');
    const empty = await server({ greeting: '220 hi\r\n', onLine: smtpHandler() });
    const q = await runCli(['-p', 'smtp', `127.0.0.1:${empty.port}`], [], {}, { stdinFile: '/dev/null' });
    assert.equal(q.code, 0, q.stderr);
    assert.match(q.stdout, /^S: 220 hi$/m);
    assert.equal((await empty.firstClosed()).toString('latin1'), 'QUIT\r\n');
  });

  it('-e lines over implicit TLS, including RCPT TO and single letters', async () => {
    const s = await server({ greeting: '220 tls hi\r\n', onLine: smtpHandler(), tlsCert: certs.good });
    const lines = ['EHLO me', 'MAIL FROM:<a@b.c>', 'RCPT TO:<x@y.z>', 'R', 'Q', 'k', 'K'];
    const r = await runInProcess([`smtps://127.0.0.1:${s.port}`, '--ca', certs.caCert, ...lines.flatMap((l) => ['-e', l])]);
    assert.equal(r.code, 0, r.stderr);
    const got = (await s.firstClosed()).toString('latin1');
    assert.equal(got, `${lines.join('\r\n')}\r\nQUIT\r\n`);
    assert.match(r.stdout, /^S: 220 tls hi$/m);
    assert.match(r.stdout, /^C: RCPT TO:<x@y\.z>$/m);
  });

  it('"//" sends a literal slash; an unknown meta command sends nothing and fails the script', async () => {
    const s = await server({ greeting: '220 hi\r\n', onLine: smtpHandler() });
    const r = await runInProcess(['-p', 'smtp', `127.0.0.1:${s.port}`], ['//x\n/nope\nNOOP\n']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /unknown meta command \/nope/);
    const got = (await s.firstClosed()).toString('latin1');
    assert.equal(got, '/x\r\nQUIT\r\n');
  });

  it('/bytes sends exact bytes with no CRLF added', async () => {
    const s = await server({ greeting: '220 hi\r\n', onLine: smtpHandler() });
    await runInProcess(['-p', 'smtp', `127.0.0.1:${s.port}`], ['/bytes NOOP\\n\n']);
    assert.equal((await s.firstClosed()).toString('latin1').slice(0, 5), 'NOOP\n');
  });
});

describe('STARTTLS', () => {
  it('typed STARTTLS upgrades the same connection, then capabilities are dropped', async () => {
    const s = await server({ greeting: '220 hi\r\n', onLine: smtpHandler(), starttlsCert: certs.good });
    const log = join(tmp, 'starttls.log');
    const r = await runInProcess([`smtp://127.0.0.1:${s.port}`, '--ca', certs.caCert, '--log', log, '-e', 'EHLO a', '-e', 'STARTTLS', '-e', 'EHLO b']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(s.conns.length, 1);
    assert.equal(s.conns[0].tls, true);
    assert.match(r.stderr, /EHLO again/);
    assert.match(r.stdout, /S: 250 AUTH PLAIN/);
    const transcript = readFileSync(log, 'utf8');
    assert.match(transcript, /== tls TLSv1\.[23] \S+ verify=ok subject=/);
  });

  it('--pipeline across a typed STARTTLS: the group before and after the upgrade arrives whole and in order', async () => {
    const s = await server({ greeting: '220 hi\r\n', onLine: smtpHandler(), starttlsCert: certs.good });
    const lines = ['EHLO a', 'MAIL FROM:<a@b.c>', 'RSET', 'STARTTLS', 'EHLO b', 'MAIL FROM:<a@b.c>', 'RCPT TO:<x@b.c>', 'RCPT TO:<y@b.c>', 'DATA', 'Subject: t', '', 'hi', '.'];
    const r = await runInProcess([`smtp://127.0.0.1:${s.port}`, '--ca', certs.caCert, '--pipeline', ...lines.flatMap((l) => ['-e', l])]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(s.conns[0].tls, true);
    assert.equal((await s.firstClosed()).toString('latin1'), `${lines.join('\r\n')}\r\nQUIT\r\n`);
    assert.match(r.stdout, /^S: 250 2\.0\.0 queued$/m);
  });

  it('--starttls negotiates at connect (EHLO, STARTTLS) before the first line', async () => {
    const s = await server({ greeting: '220 hi\r\n', onLine: smtpHandler(), starttlsCert: certs.good });
    const r = await runInProcess([`submission://127.0.0.1:${s.port}`, '--ca', certs.caCert, '--ehlo', 'client.test', '-e', 'EHLO again']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(s.conns[0].tls, true);
    assert.match(r.stdout, /C: EHLO client\.test\nS: 250-test/);
    assert.match(r.stdout, /C: EHLO again\nS: 250-test\nS: 250-PIPELINING\nS: 250 AUTH PLAIN/);
  });

  for (const split of [false, true]) {
    it(`bytes after the 220 are discarded and reported (injection ${split ? 'in a later packet' : 'in the same packet'})`, async () => {
      const s = await server({
        greeting: '220 hi\r\n',
        starttlsCert: certs.good,
        onLine: smtpHandler((line, conn) => {
          if (line !== 'STARTTLS') return false;
          if (split) {
            conn.write('220 go\r\n');
            setTimeout(() => conn.write('250 injected\r\n'), 20);
            setTimeout(() => void conn.startTls().catch(() => undefined), 40);
          } else {
            conn.write('220 go\r\n250 injected\r\n');
            void conn.startTls();
          }
          return true;
        }),
      });
      const r = await runInProcess([`smtp://127.0.0.1:${s.port}`, '--ca', certs.caCert, '--timeout', '5', '-e', 'STARTTLS', '-e', 'NOOP']);
      // The same-packet case is caught and the session goes on over TLS; a
      // later packet breaks the handshake, which is reported as a failure.
      if (split) {
        assert.equal(r.code, 3, r.stderr);
        assert.match(r.stderr, /TLS handshake failed/);
      } else {
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, /STARTTLS injection: discarded 14 bytes/);
        assert.doesNotMatch(r.stdout, /S: 250 injected/);
      }
    });
  }
});

describe('hostile bytes and errors', () => {
  it('terminal escapes from the server are shown escaped, never raw', async () => {
    const s = await server({ greeting: '220 \x1b]0;pwned\x07 \x1b[2J hi\u009b\r\n', onLine: smtpHandler() });
    const r = await runInProcess(['-p', 'smtp', `127.0.0.1:${s.port}`], ['NOOP\n']);
    assert.doesNotMatch(r.stdout, /\x1b/);
    assert.doesNotMatch(r.stdout, /\u009b/);
    assert.match(r.stdout, /S: 220 \\x1b\]0;pwned\\x07 \\x1b\[2J hi\\u009b/);
  });

  it('a bare LF from the server is marked as a violation', async () => {
    const s = await server({ greeting: '220 hi\n', onLine: smtpHandler() });
    const r = await runInProcess(['-p', 'smtp', `127.0.0.1:${s.port}`], ['NOOP\n']);
    assert.match(r.stdout, /S: 220 hi \[bare LF: protocol violation\]/);
  });

  it('a refused connection is exit 3 with one line and no stack trace', async () => {
    const s = await server({ greeting: '', onLine: () => undefined });
    const port = s.port;
    await s.close();
    const r = await runInProcess([`smtp://127.0.0.1:${port}`]);
    assert.equal(r.code, 3);
    assert.equal(r.stderr.trim(), `mailsh: 127.0.0.1:${port}: connection refused`);
  });

  it('wrong flags are exit 2 with a clear message', async () => {
    for (const args of [['--bogus', 'h:25'], ['--log-format', 'xml', 'h:25'], ['h'], ['-p', 'gopher', 'h:1']]) {
      const r = await runInProcess(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /^mailsh: /);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });

  it('a greeting that never comes is exit 4', async () => {
    const s = await server({ onLine: () => undefined });
    const r = await runInProcess([`smtp://127.0.0.1:${s.port}`, '--timeout', '0.5', '-e', 'NOOP']);
    assert.equal(r.code, 4);
    assert.match(r.stderr, /no greeting within 0\.5s/);
  });

  it('a failed reply makes the script exit 1', async () => {
    const s = await server({ greeting: '220 hi\r\n', onLine: smtpHandler() });
    const r = await runInProcess([`smtp://127.0.0.1:${s.port}`, '-e', 'EHLO x', '-e', 'MAIL FROM:<a@b.c>', '-e', 'RCPT TO:<x@example.com>']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /S: 554 5\.7\.1 Relay access denied/);
  });

  it('a server that hangs up mid-reply ends the script with exit 3', async () => {
    const s = await server({ greeting: '220 hi\r\n', onLine: (line, conn) => void (line === 'EHLO x' && conn.end('250-partial\r\n250-more')) });
    const r = await runInProcess([`smtp://127.0.0.1:${s.port}`, '-e', 'EHLO x', '-e', 'NOOP']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /S: 250-more \[no line end\]/);
    assert.match(r.stderr, /connection closed by the server/);
  });
});

describe('TLS verification', () => {
  for (const [name, re] of [
    ['expired', /certificate has expired/],
    ['wronghost', /host name mismatch/],
    ['selfSigned', /self-signed/],
  ] as const) {
    it(`${name} certificate: exit 3 with a one-line reason; -k goes on`, async () => {
      const s = await server({ greeting: '220 hi\r\n', onLine: smtpHandler(), tlsCert: certs[name] });
      const r = await runInProcess([`smtps://127.0.0.1:${s.port}`, '--ca', certs.caCert, '-e', 'NOOP']);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split('\n').length, 1);
      const k = await runInProcess([`smtps://127.0.0.1:${s.port}`, '--ca', certs.caCert, '-k', '-e', 'NOOP']);
      assert.equal(k.code, 0, k.stderr);
      assert.match(k.stderr, /NOT verified/);
    });
  }

  it('an unknown CA is refused without --ca', async () => {
    const s = await server({ greeting: '220 hi\r\n', onLine: smtpHandler(), tlsCert: certs.good });
    const r = await runInProcess([`smtps://127.0.0.1:${s.port}`, '-e', 'NOOP']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /unknown CA/);
  });

  it('/tls shows protocol, cipher, subject, SANs, issuer and validity', async () => {
    const s = await server({ greeting: '220 hi\r\n', onLine: smtpHandler(), tlsCert: certs.good });
    const r = await runInProcess([`smtps://127.0.0.1:${s.port}`, '--ca', certs.caCert, '-e', '/tls']);
    assert.match(r.stdout, /protocol {2}TLSv1\.3/);
    assert.match(r.stdout, /SANs {6}DNS:localhost, IP Address:127\.0\.0\.1/);
    assert.match(r.stdout, /issuer {4}.*mailsh test CA/);
    assert.match(r.stdout, /valid {5}\w/);
  });
});

describe('transcripts', () => {
  it('text transcript: exact format, mode 0600, AUTH secret masked', async () => {
    const s = await server({ greeting: '220 hi\r\n', onLine: smtpHandler((line, conn) => {
      if (!line.startsWith('AUTH')) return false;
      conn.write('235 2.7.0 ok\r\n');
      return true;
    }) });
    const log = join(tmp, 'auth.log');
    const plain = Buffer.from('\0alice\0s3cret').toString('base64');
    const r = await runInProcess([`smtp://127.0.0.1:${s.port}`, '--log', log, '-e', 'EHLO x', '-e', `AUTH PLAIN ${plain}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(statSync(log).mode & 0o777, 0o600);
    const text = readFileSync(log, 'utf8');
    assert.doesNotMatch(text, new RegExp(plain));
    assert.doesNotMatch(r.stdout, new RegExp(plain));
    const lines = text.trimEnd().split('\n');
    assert.match(lines[0], new RegExp(`^# mailsh \\S+ transcript target=smtp://127\\.0\\.0\\.1:${s.port} start=\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z$`));
    for (const line of lines.slice(1)) assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (C:|S:|==) /);
    assert.ok(lines.includes(lines.find((l) => l.endsWith(`C: AUTH PLAIN \\<redacted ${plain.length} bytes>\\r\\n`))!));
    assert.ok(lines.some((l) => l.endsWith('S: 250-test\\r\\n')));
    assert.ok(lines.some((l) => l.endsWith(`== connected 127.0.0.1:${s.port}`)));
  });

  it('jsonl transcript and --log-secrets', async () => {
    const s = await server({ greeting: '220 hi\r\n', onLine: smtpHandler() });
    const log = join(tmp, 'x.jsonl');
    await runInProcess([`smtp://127.0.0.1:${s.port}`, '--log', log, '--log-format', 'jsonl', '--log-secrets', '-e', 'AUTH PLAIN AGEAYg==']);
    const records = readFileSync(log, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    assert.equal(records[0].type, 'header');
    assert.equal(records[0].secrets, 'logged');
    assert.ok(records.some((r) => r.dir === 'C' && r.data === 'AUTH PLAIN AGEAYg==\r\n'));
  });

  it('mailsh show renders a transcript', async () => {
    const log = join(tmp, 'show.log');
    writeFileSync(log, '# mailsh 0.1.0 transcript target=smtp://h:25 start=2026-01-01T00:00:00.000Z\n2026-01-01T00:00:00.010Z S: 220 hi\\r\\n\n2026-01-01T00:00:00.020Z C: QUIT\\r\\n\n');
    const r = await runInProcess(['show', log]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /00:00:00\.010 +\+0\.010s S: 220 hi\\r\\n/);
    const bad = join(tmp, 'bad.log');
    writeFileSync(bad, 'not a transcript\n');
    const b = await runInProcess(['show', bad]);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /not a mailsh transcript record at line 1/);
  });
});

describe('/send', () => {
  const message = 'Subject: test\n\n.leading dot\nbody\r\n..two\n';
  it('streams a file through DATA with CRLF and dot-stuffing', async () => {
    const s = await server({ greeting: '220 hi\r\n', onLine: smtpHandler() });
    const file = join(tmp, 'msg.eml');
    writeFileSync(file, message);
    const r = await runInProcess([`smtp://127.0.0.1:${s.port}`, '-e', 'MAIL FROM:<a@b.c>', '-e', 'RCPT TO:<d@e.f>', '-e', `/send ${file}`]);
    assert.equal(r.code, 0, r.stderr);
    const got = (await s.firstClosed()).toString('latin1');
    assert.equal(got, 'MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\nSubject: test\r\n\r\n..leading dot\r\nbody\r\n...two\r\n.\r\nQUIT\r\n');
    assert.match(r.stdout, /S: 250 2\.0\.0 queued/);
  });

  it('streams a multi-megabyte file through DATA over TLS byte for byte (the chunk buffers are reused)', async () => {
    const s = await server({ greeting: '220 hi\r\n', onLine: smtpHandler(), tlsCert: certs.good });
    // LF line ends and leading dots: every chunk is rewritten into a reused buffer.
    const lines = Array.from({ length: 200_000 }, (_, i) => `${i % 7 === 0 ? '.' : ''}line ${i} ${'x'.repeat(i % 60)}`);
    const file = join(tmp, 'big.eml');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const r = await runInProcess([`smtps://127.0.0.1:${s.port}`, '--ca', certs.caCert, '-e', 'MAIL FROM:<a@b.c>', '-e', 'RCPT TO:<d@e.f>', '-e', `/send ${file}`]);
    assert.equal(r.code, 0, r.stderr);
    const body = lines.map((l) => `${l.startsWith('.') ? '.' : ''}${l}\r\n`).join('');
    const got = (await s.firstClosed()).toString('latin1');
    assert.ok(body.length > 5 * 1024 * 1024, 'several chunks');
    assert.ok(got === `MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\n${body}.\r\nQUIT\r\n`, 'the server got exactly the encoded file');
  });

  it('a directory or an unreadable file is refused before DATA: nothing of it is sent', async () => {
    const s = await server({ greeting: '220 hi\r\n', onLine: smtpHandler() });
    const locked = join(tmp, 'locked.eml');
    writeFileSync(locked, message, { mode: 0o000 });
    // root reads any file whatever its mode: then only the directory is refused.
    const unreadable = process.getuid?.() === 0 ? [] : [locked];
    for (const file of [tmp, ...unreadable]) {
      const r = await runInProcess([`smtp://127.0.0.1:${s.port}`, '-e', 'MAIL FROM:<a@b.c>', '-e', `/send ${file}`]);
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stderr, new RegExp(`cannot read ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (it is a directory|EACCES)`));
      assert.doesNotMatch(r.stdout, /C: DATA/);
    }
    assert.equal((await s.firstClosed()).toString('latin1'), 'MAIL FROM:<a@b.c>\r\nQUIT\r\n');
  });

  /** An SMTP server with CHUNKING that answers each BDAT chunk, once its bytes are in, with `answer(n)` (n from 0). */
  function chunkingServer(answer: (n: number) => string): Promise<ScriptedServer> {
    // The chunk follows its BDAT line; count its bytes off the line stream.
    let remaining = 0;
    let chunks = 0;
    const ack = (conn: { write(t: string): void }): void => conn.write(answer(chunks++));
    return server({
      greeting: '220 hi\r\n',
      onLine: smtpHandler((line, conn) => {
        if (remaining > 0) {
          remaining -= line.length + 2;
          if (remaining <= 0) ack(conn);
          return true;
        }
        if (line.startsWith('EHLO')) {
          conn.write('250-test\r\n250 CHUNKING\r\n');
          return true;
        }
        const m = /^BDAT (\d+)/.exec(line);
        if (!m) return false;
        remaining = Number(m[1]);
        if (remaining === 0) ack(conn);
        return true;
      }),
    });
  }

  it('uses BDAT when the server offers CHUNKING: a message in one chunk is one BDAT LAST', async () => {
    const s = await chunkingServer(() => '250 2.0.0 chunk ok\r\n');
    const file = join(tmp, 'msg2.eml');
    writeFileSync(file, message);
    const r = await runInProcess([`smtp://127.0.0.1:${s.port}`, '-e', 'EHLO x', '-e', `/send ${file}`]);
    assert.equal(r.code, 0, r.stderr);
    const wire = 'Subject: test\r\n\r\n.leading dot\r\nbody\r\n..two\r\n';
    const got = (await s.firstClosed()).toString('latin1');
    assert.equal(got, `EHLO x\r\nBDAT ${wire.length} LAST\r\n${wire}QUIT\r\n`);
  });

  it('after a refused BDAT chunk no more BDAT is sent (RFC 3030 §2): exit 1, the rest of the file stays home', async () => {
    const s = await chunkingServer((n) => (n === 0 ? '552 5.3.4 message too big\r\n' : '250 2.0.0 chunk ok\r\n'));
    // 64-byte lines (CRLF on the wire: 65), so that the first 1 MiB read ends at a line end.
    const line = 'x'.repeat(63);
    const file = join(tmp, 'two-chunks.eml');
    writeFileSync(file, `${line}\n`.repeat(16384 + 100));
    const r = await runInProcess([`smtp://127.0.0.1:${s.port}`, '-e', 'EHLO x', '-e', `/send ${file}`]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^S: 552 5\.3\.4 message too big$/m);
    assert.match(r.stderr, /the server refused a chunk of .*two-chunks\.eml: the rest is not sent/);
    const got = (await s.firstClosed()).toString('latin1');
    assert.equal(got, `EHLO x\r\nBDAT ${16384 * 65}\r\n${`${line}\r\n`.repeat(16384)}QUIT\r\n`);
  });
});
