/**
 * Every error shown that ends a connection or a TLS attempt is also an `==`
 * record with the same reason (issue 17 item 9), before the `== closed`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { Session, type SessionOutput } from '../src/session/session.js';
import { parseTranscript } from '../src/transcript/reader.js';
import { Transcript } from '../src/transcript/transcript.js';
import { getTestCerts, type TestCerts } from './support/certs.js';
import { smtpHandler, startScriptedServer, type ScriptedServer } from './support/scripted-server.js';

const servers: ScriptedServer[] = [];
const dir = mkdtempSync(join(tmpdir(), 'mailsh-endings-'));
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});
let certs: TestCerts;
before(async () => {
  certs = await getTestCerts();
});

it('a hand-typed STARTTLS whose handshake fails: the transcript says why, then closed', async () => {
  const s = await startScriptedServer({ greeting: '220 hi\r\n', onLine: smtpHandler(), starttlsCert: certs.expired });
  servers.push(s);
  const file = join(dir, 'starttls.log');
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
  const notes = parseTranscript(readFileSync(file, 'utf8')).records.filter((r) => r.dir === '==').map((r) => r.text);
  assert.deepEqual(notes.slice(-2), [error, 'closed']);
});
