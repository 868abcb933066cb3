/**
 * Sessions in-process (issue 20): a Session or the whole CLI against a
 * scripted peer that asserts the exact client bytes and serves the server's
 * bytes cut anywhere, with the reply timeouts on a fake clock.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { TimeoutError } from '../src/errors.js';
import type { ServerLine } from '../src/framing/line-reader.js';
import { Session, type SessionOutput } from '../src/session/session.js';
import { FakeClock } from './support/fake-clock.js';
import { runInProcess } from './support/run-in-process.js';
import { chunks, ScriptedPeer, type PeerStep } from './support/scripted-peer.js';

function session(peer: ScriptedPeer, protocol: 'smtp' | 'imap', timeoutMs: number, clock?: FakeClock): { session: Session; shown: string[] } {
  const shown: string[] = [];
  const output: SessionOutput = {
    server: (line: ServerLine) => shown.push(`S: ${line.bytes.toString('latin1')}`),
    sent: (out) => shown.push(`C: ${Buffer.concat(out.pieces.map((p) => p.bytes)).toString('latin1')}`),
    note: (level, text) => shown.push(`${level} ${text}`),
    stateChanged: () => undefined,
  };
  const s = new Session({
    connect: { host: peer.host, port: peer.port, implicitTls: false, family: 0, timeoutMs, tls: { insecure: false } },
    protocol,
    starttls: false,
    ehloName: 'client.test',
    timeoutMs,
    output,
    clock,
    open: peer.connect,
  });
  return { session: s, shown };
}

it('in-process: an SMTP greeting and a multi-line reply cut at every byte are whole replies', async () => {
  const ehlo = '250-scripted.test hello\r\n250-PIPELINING\r\n250 8BITMIME\r\n';
  const peer = new ScriptedPeer([{ server: chunks('220 scripted.test ESMTP\r\n', 1) }, { client: 'EHLO client.test\r\n' }, { server: chunks(ehlo, 3) }, { client: 'QUIT\r\n' }, { server: ['221 bye\r\n'] }, { close: true }]);
  const { session: s, shown } = session(peer, 'smtp', 5000);
  await s.connect();
  assert.equal(s.greeting, 'scripted.test ESMTP');
  const reply = await s.command('EHLO client.test');
  assert.deepEqual(reply?.lines, ['scripted.test hello', 'PIPELINING', '8BITMIME']);
  await s.quit();
  peer.assertDone();
  assert.deepEqual(shown.filter((l) => l.startsWith('S: ')), ['S: 220 scripted.test ESMTP', 'S: 250-scripted.test hello', 'S: 250-PIPELINING', 'S: 250 8BITMIME', 'S: 221 bye']);
});

it('in-process: the peer fails a client that sends other bytes than the script says', async () => {
  const peer = new ScriptedPeer([{ server: ['220 hi\r\n'] }, { client: 'NOOP\r\n' }, { server: ['250 ok\r\n'] }]);
  const { session: s } = session(peer, 'smtp', 5000);
  await s.connect();
  await s.send('RSET');
  assert.throws(() => peer.assertDone(), /client sent "RSET\\r\\n", the script expects "NOOP\\r\\n"/);
});

it('in-process --timeout: silence after part of a reply times out at the deadline, not before', async () => {
  const clock = new FakeClock();
  const peer = new ScriptedPeer([{ server: ['220 hi\r\n'] }, { client: 'NOOP\r\n' }, { server: ['250-part\r\n'] }], clock);
  const { session: s } = session(peer, 'smtp', 500, clock);
  await s.connect();
  await s.send('NOOP');
  const wait: { outcome: unknown } = { outcome: 'pending' };
  s.settled().then(
    () => (wait.outcome = 'settled'),
    (err: unknown) => (wait.outcome = err),
  );
  await new Promise((r) => setImmediate(r));
  clock.advance(499);
  await new Promise((r) => setImmediate(r));
  assert.equal(wait.outcome, 'pending', 'no timeout 1 ms before the deadline');
  clock.advance(1);
  await new Promise((r) => setImmediate(r));
  const err = wait.outcome as unknown as Error;
  assert.ok(err instanceof TimeoutError, String(err));
  assert.equal(err.message, 'no reply within 0.5s');
  peer.assertDone();
});

it('in-process --timeout: literal data that keeps streaming for longer does not time out', async () => {
  const clock = new FakeClock();
  // A 66-byte body in six pieces 300 ms apart: 1.8 s in all, never 1 s of silence.
  const body: PeerStep[] = [];
  for (let i = 0; i < 6; i++) body.push({ pauseMs: 300 }, { server: [`part ${i} xx\r\n`] });
  const peer = new ScriptedPeer(
    [{ server: ['* OK hi\r\n'] }, { client: 'A001 FETCH 1 BODY[]\r\n' }, { server: ['* 1 FETCH (BODY[] {66}\r\n'] }, ...body, { server: [')\r\nA001 OK FETCH done\r\n'] }],
    clock,
  );
  const { session: s, shown } = session(peer, 'imap', 1000, clock);
  await s.connect();
  const reply = await s.command('FETCH 1 BODY[]');
  assert.equal(reply?.status, 'OK');
  assert.ok(shown.includes('S: part 5 xx'), shown.join('\n'));
  peer.assertDone();
});

it('in-process CLI: `mailsh -e NOOP` against a scripted peer: the reply on stdout, exit 0', async () => {
  const peer = new ScriptedPeer([{ server: chunks('220 scripted.test ESMTP\r\n', 5) }, { client: 'NOOP\r\n' }, { server: ['250 2.0.0 ', 'ok\r\n'] }, { client: 'QUIT\r\n' }, { server: ['221 bye\r\n'] }, { close: true }]);
  const r = await runInProcess(['smtp://scripted.test', '-e', 'NOOP'], [], {}, { open: peer.connect });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^S: 250 2\.0\.0 ok$/m);
  peer.assertDone();
});
