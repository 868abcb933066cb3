/**
 * Runs `mailsh ARGS` in this process (cli/main.ts's `run`), as runCli does
 * as a child but without a Node start-up per run: stdout and stderr are
 * collected as written, stdin is a pipe with `input` and no terminal.
 */
import { Readable, Writable } from 'node:stream';
import { run } from '../../src/cli/main.js';
import type { OpenConn } from '../../src/transport/connection.js';
import type { CliResult } from './run-cli.js';

function collector(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

/** Standard input: `input`'s chunks a few milliseconds apart (as runCli writes them), then its end. */
async function* stdinChunks(input: (string | Buffer)[]): AsyncGenerator<Buffer> {
  for (const chunk of input) {
    yield Buffer.from(chunk);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** runCli's arguments, and `open` to connect elsewhere than a socket (a ScriptedPeer). */
export async function runInProcess(args: string[], input: (string | Buffer)[] = [], env: NodeJS.ProcessEnv = {}, opts: { open?: OpenConn } = {}): Promise<CliResult> {
  const stdout = collector();
  const stderr = collector();
  const code = await run(args, {
    stdin: Readable.from(stdinChunks(input)) as unknown as NodeJS.ReadStream,
    stdout: stdout.stream,
    stderr: stderr.stream,
    env: { ...process.env, NO_COLOR: '1', XDG_STATE_HOME: '/nonexistent', ...env },
    stdinIsTerminal: false,
    open: opts.open,
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
