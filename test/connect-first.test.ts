/** Falling back to the next host when one cannot be reached (RFC 5321 §5.1), on loopback. */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, it } from 'node:test';
import { Session, type SessionOutput } from '../src/session/session.js';
import { connectFirst } from '../src/session/connect-first.js';
import { ConnectionError } from '../src/errors.js';
import { smtpHandler, startScriptedServer, type ScriptedServer } from './support/scripted-server.js';

const servers: ScriptedServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function sessionTo(port: number, notes: string[]): () => Session {
  const output: SessionOutput = { server: () => undefined, sent: () => undefined, note: (level, text) => notes.push(`${level} ${text}`), stateChanged: () => undefined };
  return () => new Session({
    connect: { host: '127.0.0.1', port, implicitTls: false, family: 0, timeoutMs: 5000, tls: { insecure: false } },
    protocol: 'smtp',
    starttls: false,
    ehloName: 'me',
    timeoutMs: 5000,
    output,
  });
}

it('connectFirst: a refused host is noted and the next one greets', async () => {
  const s = await startScriptedServer({ greeting: '220 second\r\n', onLine: smtpHandler() });
  servers.push(s);
  const notes: string[] = [];
  const session = await connectFirst([sessionTo(await closedPort(), notes), sessionTo(s.port, notes)]);
  assert.equal(session.connected, true);
  assert.deepEqual([session.lastReply?.status, session.lastReply?.lines[0]], ['220', 'second']);
  assert.equal(notes.filter((n) => /^warn .*refused; trying the next host$/.test(n)).length, 1, notes.join('\n'));
  await session.quit();
});

it('connectFirst: when every host fails, the last failure is thrown', async () => {
  const notes: string[] = [];
  await assert.rejects(connectFirst([sessionTo(await closedPort(), notes), sessionTo(await closedPort(), notes)]), ConnectionError);
  assert.equal(notes.filter((n) => n.includes('trying the next host')).length, 1);
});
