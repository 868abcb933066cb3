import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { UsageError } from '../errors.js';
import { MutableOutput } from './mutable-output.js';

/**
 * Asks for a secret at a terminal without echoing it (SPEC §8), outside a
 * REPL session (`mailsh replay`). The answer never enters a history; Ctrl-C
 * cancels.
 */
export function askHidden(prompt: string, input: Readable, output: Writable): Promise<string> {
  const screen = new MutableOutput(output);
  const rl = createInterface({ input, output: screen, terminal: true, historySize: 0 });
  return new Promise((resolve, reject) => {
    const done = (): void => {
      screen.muted = false;
      // readline's own line end was muted with the rest.
      output.write('\r\n');
      rl.close();
    };
    rl.on('SIGINT', () => {
      done();
      reject(new UsageError('cancelled: nothing was sent'));
    });
    rl.question(prompt, (answer) => {
      done();
      resolve(answer);
    });
    screen.muted = true;
  });
}
