import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commandLine } from '../src/protocol/outgoing.js';
import { InputQueue, type InputHandlers } from '../src/session/input-queue.js';
import type { Session } from '../src/session/session.js';

/** Just enough of a Session: every line is "sent" at once and recorded. */
function fakeSession(sent: string[]): Session {
  const session = {
    connected: true,
    adapter: { metaAllowed: true, deciding: false },
    on: () => undefined,
    settled: async () => undefined,
    whenAccepting: async () => undefined,
    send: async (line: string) => {
      sent.push(line);
      return commandLine(line);
    },
  };
  return session as unknown as Session;
}

/** Handlers that run `meta` and fail the test on any error. */
function handlers(meta: InputHandlers['meta']): InputHandlers {
  return { meta, askSecret: async () => assert.fail('asked for a secret'), onError: (err) => assert.fail(String(err)) };
}

test('input queue: a long script goes out in order, each line once', async () => {
  const sent: string[] = [];
  const queue = new InputQueue(fakeSession(sent), 'script', handlers(async () => undefined));
  const lines = Array.from({ length: 5000 }, (_, i) => `NOOP ${i}`);
  lines.forEach((line) => queue.push(line));
  assert.equal(queue.length, 5000);
  await queue.drained();
  assert.deepEqual(sent, lines);
  assert.equal(queue.length, 0);
});

test('input queue: clear() during a line drops what waits, not what is pushed after it', async () => {
  const sent: string[] = [];
  let queue!: InputQueue;
  const meta = async (): Promise<void> => {
    queue.clear();
    queue.push('after');
  };
  queue = new InputQueue(fakeSession(sent), 'script', handlers(meta));
  for (const line of ['first', '/stop', 'dropped', 'dropped too']) queue.push(line);
  await queue.drained();
  assert.deepEqual(sent, ['first', 'after']);
});
