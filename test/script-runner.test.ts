import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { ScriptRunner } from '../src/repl/script-runner.js';
import type { Session } from '../src/session/session.js';

/** stdout as a pipe that is full until the test says it drained. */
class FullPipe extends Writable {
  chunks: string[] = [];
  constructor() {
    super({ highWaterMark: 1, decodeStrings: false });
  }
  override _write(chunk: string, _enc: BufferEncoding, done: () => void): void {
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

test('script output: one write per turn, and reading pauses while stdout is full', async () => {
  const stdout = new FullPipe();
  const stderr = new Writable({ write: (_c, _e, done) => done() });
  const calls: string[] = [];
  const runner = new ScriptRunner(stdout, stderr, { setLog: () => undefined });
  await runner.run(fakeSession(calls), { lines: [] });
  for (const line of ['* 1 FETCH (BODY[] {9}', 'one', 'two']) runner.output.server(Buffer.from(line), 'crlf', { cls: 'info' });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(stdout.chunks, ['S: * 1 FETCH (BODY[] {9}\nS: one\nS: two\n']);
  assert.deepEqual(calls, ['pause']);
  stdout.emit('release');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(calls, ['pause', 'resume']);
});
