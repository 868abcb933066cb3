/**
 * A question the REPL asks in the open (the y/N before credentials cross an
 * unencrypted connection): a server line arriving while it waits is written
 * above it, and the answer typed so far is redrawn with it. The question is
 * only asked of non-loopback plaintext connections, which tests may not
 * make, so the Repl runs here in-process on a fake terminal.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { PassThrough, Writable } from 'node:stream';
import { test } from 'node:test';
import { SmtpAdapter } from '../src/protocol/smtp.js';
import { Repl } from '../src/repl/repl.js';
import type { Session } from '../src/session/session.js';

class Screen extends Writable {
  text = '';
  readonly columns = 80;
  readonly isTTY = true;
  override _write(chunk: Buffer | string, _e: BufferEncoding, done: () => void): void {
    this.text += String(chunk);
    done();
  }
}

test('repl: a y/N question keeps the typed answer when a server line arrives, and resolves with it', async () => {
  const input = new PassThrough();
  const screen = new Screen();
  const session = Object.assign(new EventEmitter(), {
    connected: true,
    raw: false,
    protocol: 'smtp',
    tls: undefined,
    adapter: new SmtpAdapter('smtp'),
    quit: async () => undefined,
  }) as unknown as Session;
  const repl = new Repl({ input, output: screen, setLog: () => undefined });
  void repl.run(session);
  const ask = (repl as unknown as { question(prompt: string, hidden: boolean): Promise<string> }).question('Send anyway? [y/N] ', false);
  input.write('ye');
  await new Promise((r) => setImmediate(r));
  screen.text = '';
  repl.output.server({ bytes: Buffer.from('250 still here'), ending: 'crlf' }, { cls: 'ok' });
  assert.match(screen.text, /S: 250 still here\n/);
  // readline ends its redraw by placing the cursor (ESC [ n G) after "ye".
  assert.match(screen.text, /Send anyway\? \[y\/N\] ye(\x1b\[\d+G)?$/, 'the question and "ye" are redrawn below the server line');
  input.write('s\r');
  assert.equal(await ask, 'yes');
  input.end();
});
