/**
 * A signal ends mailsh like any fatal error (SPEC §1, guide: every exit path
 * flushes its output and records its reason): Ctrl-C while connecting,
 * SIGTERM from a supervisor, SIGHUP from a terminal that went away. One line
 * on stderr, what was shown on stdout, an `== error` record, exit 130.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from './support/run-cli.js';
import { startScriptedServer, type ScriptedServer } from './support/scripted-server.js';

const tmp = mkdtempSync(join(tmpdir(), 'mailsh-signals-'));
const servers: ScriptedServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(tmp, { recursive: true, force: true });
});

/** Runs mailsh and sends it `signal` once `ready` resolves. */
function signalled(args: string[], signal: NodeJS.Signals, ready: () => Promise<void>) {
  return runCli(args, [], {}, { onSpawn: (child) => void ready().then(() => child.kill(signal)) });
}

const until = async (done: () => boolean): Promise<void> => {
  while (!done()) await new Promise((r) => setTimeout(r, 20));
};

describe('signals', { concurrency: true }, () => {
  it('SIGTERM while a script waits for a reply: what was shown, one line, the reason recorded, exit 130', async () => {
    const server = await startScriptedServer({ greeting: '220 hi\r\n', onLine: () => {} });
    servers.push(server);
    const log = join(tmp, 'term.log');
    const r = await signalled([`smtp://127.0.0.1:${server.port}`, '--log', log, '-e', 'EHLO me'], 'SIGTERM', () => until(() => server.conns[0]?.received().toString().includes('EHLO me') ?? false));
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stdout, /^S: 220 hi\nC: EHLO me\n/);
    assert.equal(r.stderr, '!! interrupted (SIGTERM)\n');
    assert.match(readFileSync(log, 'utf8'), /== error interrupted \(SIGTERM\)\n/);
  });

  it('SIGHUP while waiting for the greeting: one line, the reason recorded, exit 130', async () => {
    const server = await startScriptedServer({ onLine: () => {} });
    servers.push(server);
    const log = join(tmp, 'hup.log');
    const r = await signalled([`smtp://127.0.0.1:${server.port}`, '--log', log, '-e', 'EHLO me'], 'SIGHUP', () => until(() => server.conns.length > 0));
    assert.equal(r.code, 130, r.stderr);
    assert.equal(r.stderr, 'mailsh: interrupted (SIGHUP)\n');
    assert.match(readFileSync(log, 'utf8'), /== error interrupted \(SIGHUP\)\n/);
  });
});
