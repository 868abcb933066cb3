/**
 * Output, transcript and failure paths (issue 17 items 7–9 and 12, issue 21
 * items 10–11): every way a session can end gives one line, the documented
 * exit status, the output so far, and a transcript that says why.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { Session, type SessionOutput } from '../src/session/session.js';
import { parseTranscript } from '../src/transcript/reader.js';
import { Transcript } from '../src/transcript/transcript.js';
import { assertSane } from './support/assert-sane.js';
import { getTestCerts, type TestCerts } from './support/certs.js';
import { CLI, type CliResult } from './support/run-cli.js';
import { runInProcess } from './support/run-in-process.js';
import { smtpHandler, startScriptedServer, type ScriptedOptions, type ScriptedServer } from './support/scripted-server.js';

const servers: ScriptedServer[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'mailsh-failure-'));
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(tmp, { recursive: true, force: true });
});

let certs: TestCerts;
before(async () => {
  certs = await getTestCerts();
});

async function server(opts: ScriptedOptions): Promise<ScriptedServer> {
  const s = await startScriptedServer(opts);
  servers.push(s);
  return s;
}

/** The transcript's `==` notes, parsed by the product's reader (every record must parse). */
function notes(file: string): string[] {
  return parseTranscript(readFileSync(file, 'utf8')).records.filter((r) => r.dir === '==').map((r) => r.text);
}

describe('exit paths keep what was shown', () => {
  it('a failed TLS handshake after --starttls at connect: stdout still has every line the server sent (issue 17 item 7)', async () => {
    const s = await server({ greeting: '220 hi ESMTP\r\n', onLine: smtpHandler(), starttlsCert: certs.expired });
    for (let run = 0; run < 4; run++) {
      const log = join(tmp, `starttls-${run}.log`);
      const r = await runInProcess([`submission://127.0.0.1:${s.port}`, '--ca', certs.caCert, '--log', log, '-e', 'NOOP']);
      assertSane(r, 3, `run ${run}`);
      assert.match(r.stderr, /certificate has expired/);
      assert.match(r.stdout, /^S: 220 hi ESMTP$/m, `run ${run}: the greeting on stdout`);
      assert.match(r.stdout, /^S: 220 2\.0\.0 go ahead$/m, `run ${run}: the STARTTLS reply on stdout`);
      assert.ok(notes(log).some((n) => /^error .*certificate has expired/.test(n)), `run ${run}: the transcript says why`);
    }
  });

  it('a hand-typed STARTTLS whose handshake fails: the transcript says why, then closed (issue 17 item 9)', async () => {
    const s = await server({ greeting: '220 hi\r\n', onLine: smtpHandler(), starttlsCert: certs.expired });
    const file = join(tmp, 'typed-starttls.log');
    const transcript = new Transcript({ file, format: 'text', target: 'smtp://127.0.0.1', logSecrets: false });
    const shown: string[] = [];
    const output: SessionOutput = { server: () => undefined, sent: () => undefined, note: (level, text) => shown.push(`${level} ${text}`), stateChanged: () => undefined };
    const session = new Session({
      connect: { host: '127.0.0.1', port: s.port, implicitTls: false, family: 0, timeoutMs: 5000, tls: { insecure: false, caFile: certs.caCert } },
      protocol: 'smtp',
      starttls: false,
      ehloName: 'me',
      timeoutMs: 5000,
      output,
      transcript,
    });
    await session.connect();
    // What a person types at the prompt; the REPL ends on the `closed` event.
    const closed = new Promise<void>((resolve) => session.once('closed', () => resolve()));
    await session.send('STARTTLS');
    await closed;
    // The REPL's end closes the transcript as soon as the session closed.
    transcript.close();
    const error = shown.find((n) => n.startsWith('error '));
    assert.match(error ?? '', /certificate has expired/);
    assert.deepEqual(notes(file).slice(-2), [error, 'closed']);
  });

  it('--starttls to a server that greets and hangs up: one line, exit 3 (issue 21 item 10)', async () => {
    const s = await server({ greeting: '220 hi ESMTP\r\n', onLine: () => undefined, onConnect: (c) => c.end() });
    const log = join(tmp, 'hangup.log');
    const r = await runInProcess([`smtp://127.0.0.1:${s.port}`, '--starttls', '--log', log, '-e', 'NOOP']);
    assertSane(r, 3, 'greet and hang up');
    assert.match(r.stderr, /^mailsh: 127\.0\.0\.1:\d+: the server closed the connection before TLS was started \(--starttls\)$/m);
    assert.ok(notes(log).some((n) => /^error .*closed the connection before TLS was started/.test(n)));
  });

  it('a refused QUIT that mailsh sent itself does not fail an all-successful script (issue 21 item 11)', async () => {
    const s = await server({
      greeting: '220 hi\r\n',
      onLine: (line, conn) => {
        if (/^QUIT/i.test(line)) conn.end('500 5.5.1 no goodbyes here\r\n');
        else conn.write('250 ok\r\n');
      },
    });
    const r = await runInProcess([`smtp://127.0.0.1:${s.port}`, '-e', 'NOOP']);
    assertSane(r, 0, 'refused QUIT');
    // A QUIT the script itself sent and the server refused is the script's failure.
    const own = await runInProcess([`smtp://127.0.0.1:${s.port}`, '-e', 'NOOP', '-e', 'QUIT']);
    assertSane(own, 1, 'refused QUIT of the script');
  });
});

describe('a closed stdout or a full transcript', () => {
  it('mailsh … | head -1: quiet end, the session closed politely, the transcript completed (issue 17 item 8)', async () => {
    const s = await server({ greeting: '220 hi\r\n', onLine: smtpHandler() });
    const log = join(tmp, 'epipe.log');
    const script = join(tmp, 'many.txt');
    writeFileSync(script, 'NOOP\n'.repeat(3000));
    const r = await new Promise<CliResult>((resolve) => {
      const child = spawn(process.execPath, [CLI, `smtp://127.0.0.1:${s.port}`, '--log', log, '-f', script], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      // Like `head -1`: read the first chunk, then close the pipe.
      child.stdout.once('data', () => child.stdout.destroy());
      child.on('close', (code) => resolve({ code, stdout: '', stderr }));
    });
    assertSane(r, 0, 'closed stdout');
    assert.equal(r.stderr, '');
    await s.firstClosed();
    assert.match(s.conns[0].received().toString('latin1'), /QUIT\r\n$/, 'the session ended with QUIT');
    const n = notes(log);
    assert.ok(n.includes('stdout closed by its reader: script stopped'), n.join('\n'));
    assert.equal(n.at(-1), 'closed');
  });

  it('a transcript the disk takes no more of: one line, exit 2, no record cut in half (issue 17 item 8, issue 21 item 10)', async (t) => {
    // RLIMIT_FSIZE makes the kernel refuse writes past 8 KiB (EFBIG) as a full disk does (ENOSPC): partway through one.
    const s = await server({ greeting: '220 hi\r\n', onLine: (line, conn) => conn.write(/^QUIT/i.test(line) ? '221 bye\r\n' : `250-${'x'.repeat(3000)}\r\n250 ok\r\n`) });
    const log = join(tmp, 'full.log');
    const r = await new Promise<CliResult>((resolve) => {
      const shell = `trap '' XFSZ; ulimit -f 8; exec "$0" "$@"`;
      const child = spawn('bash', ['-c', shell, process.execPath, CLI, `smtp://127.0.0.1:${s.port}`, '--log', log, ...Array(10).fill(['-e', 'NOOP']).flat()], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    if (r.code === 127) return t.skip('skipped: bash is not available');
    assertSane(r, 2, 'full transcript');
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /cannot write log file .*full\.log: EFBIG: session stopped/);
    // Every line parses (none cut in half) and the last says why the session ended.
    assert.match(notes(log).at(-1)!, /^session stopped: the log file takes no more \(EFBIG\)$/);
    assert.ok(readFileSync(log).length <= 8192);
  });
});

describe('local files and input mailsh refuses, in one line', () => {
  it('a --cert that is not PEM, or a --key that does not match it: exit 2 (issue 21 item 10)', async () => {
    const s = await server({ greeting: '220 hi\r\n', onLine: smtpHandler(), tlsCert: certs.good });
    const junk = join(tmp, 'junk.pem');
    writeFileSync(junk, 'not a certificate\n');
    const notPem = await runInProcess([`smtps://127.0.0.1:${s.port}`, '--ca', certs.caCert, '--cert', junk, '--key', certs.good.key, '-e', 'NOOP']);
    assertSane(notPem, 2, 'not PEM');
    assert.match(notPem.stderr, /^mailsh: cannot use .*--cert .*junk\.pem.*: .*no start line/m);
    const mismatch = await runInProcess([`smtps://127.0.0.1:${s.port}`, '--ca', certs.caCert, '--cert', certs.good.cert, '--key', certs.expired.key, '-e', 'NOOP']);
    assertSane(mismatch, 2, 'mismatched key');
    assert.match(mismatch.stderr, /^mailsh: cannot use .*--key .*: .*mismatch/m);
  });

  it('script input that is not UTF-8 is refused, never sent altered as U+FFFD (issue 21 item 11)', async () => {
    const s = await server({ greeting: '220 hi\r\n', onLine: smtpHandler() });
    const file = join(tmp, 'latin1.txt');
    writeFileSync(file, Buffer.from('NOOP caf\xe9\n', 'latin1'));
    const f = await runInProcess([`smtp://127.0.0.1:${s.port}`, '-f', file]);
    assertSane(f, 2, '-f latin1');
    assert.match(f.stderr, /script .*latin1\.txt is not valid UTF-8/);
    const piped = await runInProcess([`smtp://127.0.0.1:${s.port}`], [Buffer.from('NOOP\n'), Buffer.from('NOOP caf\xe9\nNOOP after\n', 'latin1')]);
    assertSane(piped, 2, 'piped latin1');
    assert.match(piped.stderr, /standard input is not valid UTF-8/);
    for (const conn of s.conns) assert.ok(!conn.received().includes(Buffer.from('\ufffd')), 'no U+FFFD reached the server');
  });
});

describe('TLS failures that teach (issue 17 item 12)', () => {
  it('an unknown CA names --ca FILE first, then -k', async () => {
    const s = await server({ greeting: '220 hi\r\n', onLine: smtpHandler(), tlsCert: certs.good });
    const r = await runInProcess([`smtps://127.0.0.1:${s.port}`, '-e', 'NOOP']);
    assertSane(r, 3, 'unknown CA');
    assert.match(r.stderr, /unknown CA .*\(give the CA that signed it with --ca FILE, or use -k to connect anyway\)/);
  });

  it('an expired certificate says when it expired', async () => {
    const s = await server({ greeting: '220 hi\r\n', onLine: smtpHandler(), tlsCert: certs.expired });
    const r = await runInProcess([`smtps://127.0.0.1:${s.port}`, '--ca', certs.caCert, '-e', 'NOOP']);
    assertSane(r, 3, 'expired');
    assert.match(r.stderr, /the server certificate has expired \(on 2001-01-01 \d\d:\d\d UTC\)/);
  });

  it('a certificate for another host lists its names and mentions --sni', async () => {
    const s = await server({ greeting: '220 hi\r\n', onLine: smtpHandler(), tlsCert: certs.wronghost });
    const r = await runInProcess([`smtps://127.0.0.1:${s.port}`, '--ca', certs.caCert, '-e', 'NOOP']);
    assertSane(r, 3, 'wrong host');
    assert.match(r.stderr, /host name mismatch: the certificate names DNS:wrong\.example/);
    assert.match(r.stderr, /--sni NAME/);
  });

  it('imaps:// or smtps:// to a plaintext port: the hint speaks of the scheme typed, not of a --tls never given', async () => {
    const s = await server({ greeting: '* OK hi\r\n', onLine: () => undefined });
    for (const [scheme, plain] of [['imaps', 'imap'], ['smtps', 'smtp']]) {
      const r = await runInProcess([`${scheme}://127.0.0.1:${s.port}`, '--timeout', '3', '-e', 'NOOP']);
      assertSane(r, 3, scheme);
      assert.doesNotMatch(r.stderr, /--tls/);
      assert.match(r.stderr, new RegExp(`try ${plain}:// instead of ${scheme}://`));
    }
    const typed = await runInProcess([`imap://127.0.0.1:${s.port}`, '--tls', '--timeout', '3', '-e', 'NOOP']);
    assertSane(typed, 3, '--tls');
    assert.match(typed.stderr, /try without --tls/);
  });

  it('a non-ASCII --sni goes out as punycode (issue 21 item 11)', async () => {
    let servername: string | false | undefined;
    const srv = tls.createServer({ cert: readFileSync(certs.good.cert), key: readFileSync(certs.good.key) }, (sock) => {
      servername = (sock as tls.TLSSocket & { servername: string | false }).servername;
      sock.end('220 hi\r\n');
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    try {
      const r = await runInProcess([`smtps://127.0.0.1:${port}`, '-k', '--sni', 'b\u00fccher.example', '-e', 'NOOP']);
      assert.notEqual(r.code, null, r.stderr);
      assert.equal(servername, 'xn--bcher-kva.example');
    } finally {
      srv.close();
    }
  });
});
