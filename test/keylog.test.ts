/**
 * --keylog FILE and SSLKEYLOGFILE (SPEC §7): NSS key-log lines for every TLS
 * session, implicit or begun by STARTTLS. The server side of the same
 * handshake logs its own copy of the secrets; both must agree line for line,
 * which is what lets Wireshark decrypt a capture of the session.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SecureVersion } from 'node:tls';
import { after, describe, it } from 'node:test';
import { getTestCerts } from './support/certs.js';
import { runInProcess } from './support/run-in-process.js';
import { smtpHandler, startScriptedServer, type ScriptedServer } from './support/scripted-server.js';
import { captureLoopback, smtpCommandsIn, tsharkUnavailable } from './support/tshark.js';

const dir = mkdtempSync(join(tmpdir(), 'mailsh-keylog-'));
const servers: ScriptedServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

/** NSS key-log line: LABEL CLIENT_RANDOM(32 bytes hex) SECRET(hex). */
const KEYLOG_LINE = /^([A-Z_0-9]+) ([0-9a-f]{64}) ([0-9a-f]+)$/;

function keylogLines(text: string): string[] {
  const lines = text.split('\n').filter(Boolean);
  for (const line of lines) assert.match(line, KEYLOG_LINE);
  return lines.sort();
}

async function tlsServer(mode: 'implicit' | 'starttls', maxTlsVersion?: SecureVersion): Promise<{ server: ScriptedServer; serverLines: string[] }> {
  const certs = await getTestCerts();
  const serverLines: string[] = [];
  const server = await startScriptedServer({
    greeting: '220 keylog.test ESMTP\r\n',
    onLine: smtpHandler(),
    tlsCert: mode === 'implicit' ? certs.good : undefined,
    starttlsCert: certs.good,
    tlsOptions: { maxVersion: maxTlsVersion },
    onKeylog: (line) => serverLines.push(line.toString('latin1').trim()),
  });
  servers.push(server);
  return { server, serverLines };
}

describe('TLS key log', () => {
  it('implicit TLS 1.3: the five TLS 1.3 secrets of the session, the same as the server\'s, file mode 0600', async () => {
    const { server, serverLines } = await tlsServer('implicit');
    const file = join(dir, 'implicit.keys');
    const certs = await getTestCerts();
    const r = await runInProcess([`smtps://localhost:${server.port}`, '--ca', certs.caCert, '--keylog', file, '-e', 'EHLO me']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lines = keylogLines(readFileSync(file, 'utf8'));
    assert.deepEqual(lines.map((l) => l.split(' ')[0]), ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'EXPORTER_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_TRAFFIC_SECRET_0']);
    assert.equal(new Set(lines.map((l) => l.split(' ')[1])).size, 1, 'one TLS session: one client random');
    assert.deepEqual(lines, serverLines.sort());
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  it('STARTTLS with SSLKEYLOGFILE, TLS 1.2: the CLIENT_RANDOM line of the upgraded session matches the server\'s', async () => {
    const { server, serverLines } = await tlsServer('starttls', 'TLSv1.2');
    const file = join(dir, 'starttls.keys');
    const certs = await getTestCerts();
    const r = await runInProcess([`smtp://localhost:${server.port}`, '--ca', certs.caCert, '-e', 'EHLO me', '-e', 'STARTTLS', '-e', 'EHLO me'], [], { SSLKEYLOGFILE: file });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /TLS TLSv1\.2 /);
    const lines = keylogLines(readFileSync(file, 'utf8'));
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$/, 'the 48-byte master secret');
    assert.deepEqual(lines, serverLines);
  });

  it('two TLS sessions appended to one file: one set of lines per session, each matching its server', async () => {
    const file = join(dir, 'two.keys');
    const certs = await getTestCerts();
    const all: string[] = [];
    for (const mode of ['starttls', 'implicit'] as const) {
      const { server, serverLines } = await tlsServer(mode);
      const url = mode === 'implicit' ? `smtps://localhost:${server.port}` : `submission://localhost:${server.port}`;
      const r = await runInProcess([url, '--ca', certs.caCert, '--keylog', file, '-e', 'NOOP']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      all.push(...serverLines);
    }
    const lines = keylogLines(readFileSync(file, 'utf8'));
    assert.equal(new Set(lines.map((l) => l.split(' ')[1])).size, 2, 'two client randoms');
    assert.deepEqual(lines, all.sort());
  });
});

// Each capture filters its own server's port: the two run side by side (mostly tshark starting).
describe('decrypting a loopback capture with the key log (tshark)', { concurrency: true }, () => {
  const unavailable = tsharkUnavailable();
  for (const mode of ['starttls', 'implicit'] as const) {
    it(`${mode === 'starttls' ? 'STARTTLS' : 'implicit TLS'}: Wireshark's dissector reads the commands sent inside TLS only with mailsh's key log`, async (t) => {
      if (unavailable) return t.skip(`skipped: ${unavailable}`);
      const { server } = await tlsServer(mode);
      const certs = await getTestCerts();
      const pcap = join(dir, `${mode}.pcap`);
      const keys = join(dir, `${mode}-capture.keys`);
      const capture = await captureLoopback(server.port, pcap);
      try {
        const url = mode === 'implicit' ? `smtps://localhost:${server.port}` : `smtp://localhost:${server.port}`;
        const lines = mode === 'implicit' ? ['EHLO secret-inside-tls', 'MAIL FROM:<hidden@keylog.test>'] : ['EHLO me', 'STARTTLS', 'EHLO secret-inside-tls', 'MAIL FROM:<hidden@keylog.test>'];
        const r = await runInProcess([url, '--ca', certs.caCert, '--keylog', keys, ...lines.flatMap((l) => ['-e', l])]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        await capture.finish();
      } finally {
        capture.kill();
      }
      const plain = mode === 'starttls' ? ['EHLO me', 'STAR TLS'] : [];
      assert.deepEqual(smtpCommandsIn(pcap, server.port, mode === 'implicit'), plain, 'without keys only the plaintext part is readable');
      assert.deepEqual(smtpCommandsIn(pcap, server.port, mode === 'implicit', keys), [...plain, 'EHLO secret-inside-tls', 'MAIL FROM:<hidden@keylog.test>', 'QUIT']);
    });
  }
});

