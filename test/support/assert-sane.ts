/** What every mailsh run must show, whatever the server did (issue 7). */
import assert from 'node:assert/strict';
import { runCli, type CliResult, type RunOptions } from './run-cli.js';
import { runInProcess } from './run-in-process.js';

/**
 * The expected exit status, no stack trace, no raw control character on the
 * terminal, and every stderr line one note (`!!`, `==`) or one `mailsh:` error.
 */
export function assertSane(r: CliResult, exit: number, label: string): void {
  assert.equal(r.code, exit, `${label}: exit status\n--- stdout\n${r.stdout.slice(-2000)}\n--- stderr\n${r.stderr}`);
  for (const [name, text] of [['stdout', r.stdout], ['stderr', r.stderr]]) {
    assert.doesNotMatch(text, /internal error|\n\s+at \S.*\(.*:\d+:\d+\)/, `${label}: no stack trace on ${name}`);
    assert.doesNotMatch(text, /[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f]/, `${label}: no raw control character reaches the terminal (${name})`);
  }
  for (const line of r.stderr.split('\n').filter(Boolean)) assert.match(line, /^(!!|==|mailsh:) /, `${label}: every stderr line is one note`);
}


/**
 * Warnings are earned (issue 17): a session with a well-behaved real server
 * prints no `!!` note (warning or error) anywhere. Pass the notes a test
 * provoked on purpose as `allowed`.
 */
export function assertNoWarnings(r: CliResult, label = 'session', allowed: readonly RegExp[] = []): void {
  const notes = `${r.stdout}\n${r.stderr}`.split('\n').filter((line) => /^(\x1b\[[0-9;]*m)*!! /.test(line));
  const unearned = notes.filter((line) => !allowed.some((re) => re.test(line)));
  assert.deepEqual(unearned, [], `${label}: no warning from a well-behaved server\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr}`);
}

/**
 * `runCli` for a session with a well-behaved real server: asserts that no
 * warning was printed (assertNoWarnings). mailsh runs in-process unless an
 * option needs a child process (its stdin file, its pid).
 */
export async function runQuiet(args: string[], input: (string | Buffer)[] = [], env: NodeJS.ProcessEnv = {}, opts: RunOptions & { allowed?: readonly RegExp[] } = {}): Promise<CliResult> {
  const { allowed, ...runOpts } = opts;
  const r = Object.keys(runOpts).length > 0 ? await runCli(args, input, env, runOpts) : await runInProcess(args, input, env);
  assertNoWarnings(r, `mailsh ${args.join(' ')}`, allowed);
  return r;
}
