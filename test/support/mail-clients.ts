/** Running installed mail clients (mbsync, neomutt, fetchmail, emacs) in tests against the real servers. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';
import type { RealServers } from './real-servers.js';

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((d) => d !== '' && existsSync(join(d, command)));
}

/** The real servers when they run and `client` is installed; otherwise the test is skipped with the reason. */
export function clientServers(real: (t: TestContext) => RealServers | undefined, t: TestContext, client: string): RealServers | undefined {
  const s = real(t);
  if (s && !onPath(client)) t.skip(`skipped: ${client} is not installed`);
  return onPath(client) ? s : undefined;
}

/** Runs a client to its end (60 s at most): its exit status and all it printed. */
export function runClient(file: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { env: { ...process.env, ...opts.env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
    });
    child.stdin?.end(opts.input ?? '');
  });
}
