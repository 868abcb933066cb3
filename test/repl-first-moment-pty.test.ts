/**
 * The terminal is mailsh's from its first moment (issue 16 §4): keys typed
 * while mailsh waits for a greeting are never echoed by the terminal, go to
 * the line editor once it reads, and are never left for the shell after
 * mailsh exits. mailsh runs under bash in the pty, which reads what is left.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { getTestCerts } from './support/certs.js';
import { killAllPtys, spawnCli } from './support/pty-session.js';
import { startScriptedServer, type ScriptedServer } from './support/scripted-server.js';

const servers: ScriptedServer[] = [];

after(async () => {
  killAllPtys();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** What the shell reads from the terminal after mailsh has exited. */
const leftForShell = (mailsh: string): string => `${mailsh}; echo "EXIT[$?]"; read -t 1 x; echo "LEFT[$x]"`;

const TYPED = 'a login alice x';

// Each case has its own server and terminal, and mostly waits (a slow greeting, a timeout, the shell's `read -t 1`): side by side.
describe('keys typed before the prompt', { concurrency: true }, () => {
  it('while a slow greeting is awaited: not echoed, then in the line editor; nothing left after exit', async () => {
    const server = await startScriptedServer({
      onConnect: async (conn) => {
        await sleep(1500);
        conn.write('* OK slow but ready\r\n');
      },
      onLine: (line, conn) => {
        const tag = line.split(' ')[0];
        if (/ LOGOUT$/i.test(line)) conn.end(`* BYE bye\r\n${tag} OK done\r\n`);
        else conn.write(`${tag} OK done\r\n`);
      },
    });
    servers.push(server);
    const cli = spawnCli([`imap://127.0.0.1:${server.port}`, '--timeout', '5'], { cols: 80, shell: leftForShell });
    await cli.waitForRendered((rows) => rows.some((r) => r.includes('connecting to')), 'the connecting note');
    cli.type(TYPED);
    await sleep(400);
    const waiting = (await cli.rendered()).join('\n');
    assert.ok(!waiting.includes('slow but ready'), 'still waiting for the greeting');
    assert.ok(!waiting.includes(TYPED), `the terminal did not echo the keys:\n${waiting}`);
    // Once the greeting is in, the keys are the line being typed at the prompt.
    await cli.waitForRendered((rows) => rows.at(-1) === `imap> ${TYPED}`, 'the keys at the prompt');
    cli.type('\x03');
    await cli.waitForRendered((rows) => rows.at(-1)?.trimEnd() === 'imap>', 'the cleared line');
    cli.type('\x04');
    await cli.waitForRendered((rows) => rows.some((r) => r.startsWith('LEFT[')), 'the shell');
    const rows = await cli.rendered();
    assert.ok(rows.includes('EXIT[0]'), rows.join('\n'));
    assert.ok(rows.includes('LEFT[]'), `nothing left for the shell:\n${rows.join('\n')}`);
    assert.ok(!server.conns[0].received().toString().includes('alice'), 'the half-typed line was never sent');
  });

  it('while plaintext waits on a TLS port until the timeout: not echoed, dropped at exit, nothing left for the shell', async () => {
    const certs = await getTestCerts();
    const server = await startScriptedServer({ greeting: '* OK never seen\r\n', tlsCert: certs.good, onLine: () => {} });
    servers.push(server);
    const cli = spawnCli([`imap://127.0.0.1:${server.port}`, '--timeout', '2'], { cols: 80, shell: leftForShell });
    await cli.waitForRendered((rows) => rows.some((r) => r.includes('connecting to')), 'the connecting note');
    // A whole line, Enter and all: in cooked mode the shell would run it.
    cli.type(`${TYPED}\r`);
    await cli.waitForRendered((rows) => rows.some((r) => r.startsWith('LEFT[')), 'the shell', 10_000);
    const rows = await cli.rendered();
    const screen = rows.join('\n');
    assert.ok(!screen.includes(TYPED), `the keys were never echoed nor left:\n${screen}`);
    assert.ok(rows.includes('LEFT[]'), `nothing left for the shell:\n${screen}`);
    assert.ok(rows.some((r) => /^EXIT\[[34]\]$/.test(r)), screen);
  });

  it('Ctrl-C while waiting for the greeting still interrupts mailsh (raw mode sends no SIGINT), says so and records why', async () => {
    const server = await startScriptedServer({ onConnect: () => sleep(5000), onLine: () => {} });
    servers.push(server);
    const log = join(mkdtempSync(join(tmpdir(), 'mailsh-first-')), 'session.log');
    const cli = spawnCli([`imap://127.0.0.1:${server.port}`, '--timeout', '10', '--log', log], { cols: 80, shell: leftForShell });
    await cli.waitForRendered((rows) => rows.some((r) => r.includes('connecting to')), 'the connecting note');
    cli.type('\x03');
    const rows = await cli.waitForRendered((r) => r.some((row) => row.startsWith('LEFT[')), 'the shell', 3000);
    assert.ok(rows.includes('EXIT[130]'), rows.join('\n'));
    assert.ok(rows.includes('mailsh: interrupted (SIGINT)'), rows.join('\n'));
    assert.match(readFileSync(log, 'utf8'), /== error interrupted \(SIGINT\)\n/);
  });
});
