/**
 * `mailsh replay` negotiates TLS exactly as the target asks (issue 21 item
 * 5): a session recorded over smtps:// and replayed to submission:// gets
 * STARTTLS before its AUTH; when TLS does not come, no credential goes out.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { getTestCerts, type TestCerts } from './support/certs.js';
import { runInProcess } from './support/run-in-process.js';
import { smtpHandler, startScriptedServer, type ScriptedServer } from './support/scripted-server.js';

const servers: ScriptedServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));
let certs: TestCerts;
before(async () => {
  certs = await getTestCerts();
});
const dir = mkdtempSync(join(tmpdir(), 'mailsh-replay-tls-'));

function transcript(name: string, lines: [string, string][]): string {
  const file = join(dir, name);
  const records = lines.map(([dir, text]) => `2026-01-01T00:00:00.000Z ${dir} ${text}\\r\\n`);
  writeFileSync(file, `# mailsh 0.1.0 transcript target=smtps://127.0.0.1:465 start=2026-01-01T00:00:00.000Z\n${records.join('\n')}\n`);
  return file;
}

/** A submission server that answers AUTH with 235 and notes whether it came over TLS. */
async function submission(refuseStartTls = false): Promise<{ server: ScriptedServer; auth: boolean[] }> {
  const auth: boolean[] = [];
  const server = await startScriptedServer({
    greeting: '220 mx ESMTP\r\n',
    starttlsCert: certs.good,
    onLine: smtpHandler((line, conn) => {
      if (/^AUTH/i.test(line)) {
        auth.push(conn.tls);
        conn.write('235 2.7.0 ok\r\n');
        return true;
      }
      if (refuseStartTls && /^STARTTLS/i.test(line)) {
        conn.write('454 4.7.0 TLS not available\r\n');
        return true;
      }
      return false;
    }),
  });
  servers.push(server);
  return { server, auth };
}

const env = { MAILSH_PASSWORD: 'pw' };

test('replay of an smtps:// session to submission:// negotiates STARTTLS before the credential', async () => {
  const { server, auth } = await submission();
  const file = transcript('smtps.log', [['S:', '220 mx ESMTP'], ['C:', 'EHLO client'], ['S:', '250 AUTH PLAIN'], ['C:', 'AUTH PLAIN \\<redacted 12 bytes>'], ['S:', '235 2.7.0 ok'], ['C:', 'QUIT'], ['S:', '221 bye']]);
  const r = await runInProcess(['replay', file, `submission://localhost:${server.port}`, '--ca', certs.caCert, '-u', 'alice'], [], env);
  assert.deepEqual(auth, [true], `${r.stdout}${r.stderr}`);
  assert.match(server.conns[0].received().toString(), /^EHLO .*\r\nSTARTTLS\r\n/);
  assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
});

test('replay stops before the first credential when the STARTTLS the target asks for is refused', async () => {
  for (const recorded of [false, true]) {
    const { server, auth } = await submission(true);
    const starttls: [string, string][] = recorded ? [['C:', 'STARTTLS'], ['S:', '220 go ahead'], ['C:', 'EHLO client'], ['S:', '250 AUTH PLAIN']] : [];
    const file = transcript(`refused-${recorded}.log`, [['S:', '220 mx ESMTP'], ['C:', 'EHLO client'], ['S:', '250 STARTTLS'], ...starttls, ['C:', 'AUTH PLAIN \\<redacted 12 bytes>'], ['S:', '235 2.7.0 ok']]);
    const r = await runInProcess(['replay', file, `smtp://localhost:${server.port}`, '--starttls', '--ca', certs.caCert, '-u', 'alice'], [], env);
    assert.equal(r.code, 3, `${r.stdout}${r.stderr}`);
    assert.deepEqual(auth, [], 'no AUTH reached the server');
    assert.ok(!server.conns[0].received().toString().includes(Buffer.from('\0alice\0pw').toString('base64')));
  }
});
