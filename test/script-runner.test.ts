import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { ScriptRunner } from '../src/repl/script-runner.js';
import type { Session } from '../src/session/session.js';

/** stdout as a pipe that is full until the test says it drained. */
class FullPipe extends Writable {
  chunks: (string | Buffer)[] = [];
  constructor() {
    super({ highWaterMark: 1, decodeStrings: false });
  }
  override _write(chunk: string | Buffer, _enc: BufferEncoding, done: () => void): void {
    this.chunks.push(chunk);
    this.once('release', done);
  }
}

/** Just enough of a Session for a script with no lines, plus the connection's pause switch. */
function fakeSession(calls: string[]): Session {
  const session = Object.assign(new EventEmitter(), {
    connected: false,
    failures: 0,
    quit: async () => undefined,
    connection: { pause: () => calls.push('pause'), resume: () => calls.push('resume') },
  });
  return session as unknown as Session;
}

test('script output: lines gather into one write 10 ms after the first, and reading pauses while stdout is full', async (t) => {
  const stdout = new FullPipe();
  const stderr = new Writable({ write: (_c, _e, done) => done() });
  const calls: string[] = [];
  const runner = new ScriptRunner(stdout, stderr, { setLog: () => undefined });
  await runner.run(fakeSession(calls), { lines: [] });
  t.mock.timers.enable({ apis: ['setTimeout'] });
  for (const line of ['* 1 FETCH (BODY[] {9}', 'one', 'two']) runner.output.server({ bytes: Buffer.from(line), ending: 'crlf' }, { cls: 'info' });
  t.mock.timers.tick(9);
  assert.deepEqual(stdout.chunks, [], 'nothing written before 10 ms');
  t.mock.timers.tick(1);
  assert.deepEqual(stdout.chunks.map(String), ['S: * 1 FETCH (BODY[] {9}\nS: one\nS: two\n']);
  assert.deepEqual(calls, ['pause']);
  stdout.emit('release');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(calls, ['pause', 'resume']);
});

test('script output: a full 64 KiB block goes out before the line that does not fit, and flush writes the rest', async (t) => {
  const chunks: string[] = [];
  const stdout = new Writable({ write: (c: Buffer, _e, done) => (chunks.push(c.toString()), done()) });
  const runner = new ScriptRunner(stdout, stdout, { setLog: () => undefined });
  await runner.run(fakeSession([]), { lines: [] });
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const line = 'x'.repeat(1020); // 1 KiB as `S: …\n`
  for (let i = 0; i < 65; i++) runner.output.server({ bytes: Buffer.from(line), ending: 'crlf' }, { cls: 'info' });
  assert.equal(chunks.length, 1, 'the 65th line found the block full');
  assert.equal(chunks[0], `S: ${line}\n`.repeat(64));
  runner.output.flush();
  assert.equal(chunks.length, 2);
  assert.equal(chunks[1], `S: ${line}\n`);
});
