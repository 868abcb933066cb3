/** Runs the built CLI as a child process, the way a script or a pipe would. */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../src/cli/bin.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `mailsh ARGS`; `input` chunks are written to stdin one after another,
 * each after the previous one was flushed, so a test can split lines across
 * reads. Without input, stdin is closed at once.
 */
export interface RunOptions {
  /** Told the child once it runs (its pid for /proc, its stdin, or to kill it). */
  onSpawn?: (child: ChildProcess) => void;
  /** Leave stdin open after `input`: the test writes and ends it through onSpawn. */
  holdStdin?: boolean;
  /** Do not keep stdout (volume tests, where it would be huge). */
  discardStdout?: boolean;
  /** Standard input from this file (`< FILE`, or `/dev/null`) instead of a pipe; `input` is then ignored. */
  stdinFile?: string;
}

export function runCli(args: string[], input: (string | Buffer)[] = [], env: NodeJS.ProcessEnv = {}, opts: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const stdin = opts.stdinFile === undefined ? 'pipe' : openSync(opts.stdinFile, 'r');
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, NO_COLOR: '1', XDG_STATE_HOME: '/nonexistent', ...env },
      stdio: [stdin, 'pipe', 'pipe'],
    });
    if (typeof stdin === 'number') closeSync(stdin);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      if (!opts.discardStdout) stdout += d;
    });
    opts.onSpawn?.(child);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (!child.stdin) return;
    child.stdin.on('error', () => undefined);
    (async () => {
      for (const chunk of input) {
        await new Promise<void>((r) => child.stdin!.write(chunk, () => r()));
        await new Promise((r) => setTimeout(r, 5));
      }
      if (!opts.holdStdin) child.stdin!.end();
    })();
  });
}
