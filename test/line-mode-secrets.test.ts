/**
 * Line mode masks too (issue 21 item 2, SPEC §9 "--raw turns protocol
 * behaviour off, never the masking"): `tcp://` and `/raw on` at the
 * terminal; the history file, the transcript and the screen never hold the
 * credential, while the server gets it as typed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { NEEDLES, PASSWORD, PLAIN, USER } from './support/credential-forms.js';
import { killAllPtys, spawnCli } from './support/pty-session.js';
import { startScriptedServer, type ScriptedServer } from './support/scripted-server.js';

const servers: ScriptedServer[] = [];
after(() => {
  killAllPtys();
  return Promise.all(servers.map((s) => s.close()));
});

function assertNoLeak(where: string, text: string): void {
  for (const needle of NEEDLES) assert.ok(!text.includes(needle), `${where} holds ${JSON.stringify(needle)}`);
}

// Each protocol keeps its own history file (history-line for tcp://).
for (const [name, url, first, historyFile] of [
  ['tcp://', 'tcp', [], 'history-line'],
  ['/raw on in an IMAP session', 'imap', ['/raw on'], 'history-imap'],
] as const) {
  test(`${name}: history, transcript and screen hold no credential`, async () => {
    const server = await startScriptedServer({
      greeting: '* OK ready\r\n',
      onLine: (line, conn) => {
        if (/^b AUTHENTICATE PLAIN$/i.test(line)) conn.write('+ \r\n');
        else if (line === PLAIN) conn.write('b OK done\r\n');
        else conn.write(`${line.split(' ')[0]} OK done\r\n`);
      },
    });
    servers.push(server);
    const home = mkdtempSync(join(tmpdir(), 'mailsh-line-secrets-'));
    const log = join(home, 'session.log');
    const cli = spawnCli([`${url}://127.0.0.1:${server.port}`, '--log', log], { env: { HOME: home, XDG_STATE_HOME: join(home, 'state') } });
    await cli.waitFor(/S: \* OK ready/, 10000);
    // Typed only once the prompt is up: type-ahead would stay on the screen as typed.
    await cli.waitFor(/> $/, 10000);
    for (const line of first) {
      const mark = cli.mark();
      cli.type(`${line}\r`);
      await cli.waitFor(/raw> $/, 10000, mark);
    }
    for (const line of [`a login ${USER} ${PASSWORD}`, 'b AUTHENTICATE PLAIN', PLAIN, 'c noop']) {
      const mark = cli.mark();
      cli.type(`${line}\r`);
      await cli.waitFor(/S: \S/, 10000, mark);
    }
    cli.type('/quit\r');
    await cli.exited;
    const received = server.conns[0].received().toString();
    assert.ok(received.includes(`a login ${USER} ${PASSWORD}\r\n`) && received.includes(`${PLAIN}\r\n`), 'the server got the lines as typed');
    const history = readFileSync(join(home, 'state', 'mailsh', historyFile), 'utf8');
    assert.match(history, /^c noop$/m, 'the history file was written');
    assertNoLeak('history', history);
    const transcript = readFileSync(log, 'utf8');
    assertNoLeak('transcript', transcript);
    // How far masking goes in line mode is said on screen and in the transcript.
    if (url === 'tcp') assert.match(transcript, /^# mailsh .* secrets=redacted-by-command\n/);
    assert.match(transcript, /== line mode: credentials are masked where a mail command carries them/);
    assert.match(cli.screenLines().join('\n'), /== line mode: credentials are masked/);
    assertNoLeak('screen', cli.screenLines().join('\n'));
  });
}
