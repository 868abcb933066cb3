/** mailsh replay at a terminal: a masked password is asked for with a hidden prompt. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { killAllPtys, spawnCli } from './support/pty-session.js';
import { startScriptedServer, type ScriptedServer } from './support/scripted-server.js';

let server: ScriptedServer | undefined;
after(async () => {
  killAllPtys();
  await server?.close();
});

it('asks for the password of a masked AUTH PLAIN without echoing it, then replays with it', async () => {
  const expected = Buffer.from('\0alice\0typed-secret').toString('base64');
  server = await startScriptedServer({
    greeting: '220 pty.test ESMTP\r\n',
    onLine: (line, conn) => {
      if (line.startsWith('EHLO')) conn.write('250-pty.test\r\n250 AUTH PLAIN\r\n');
      else if (line.startsWith('AUTH PLAIN ')) conn.write(line === `AUTH PLAIN ${expected}` ? '235 2.7.0 ok\r\n' : '535 5.7.8 no\r\n');
      else if (line === 'QUIT') conn.end('221 bye\r\n');
    },
  });
  const T = '2026-11-24T05:00:00.000Z';
  const log = join(mkdtempSync(join(tmpdir(), 'mailsh-replay-pty-')), 'auth.log');
  writeFileSync(log, [
    `# mailsh 0.1.0 transcript target=smtp://alice@mx.test:25 start=${T}`,
    `${T} S: 220 mx.test ESMTP\\r\\n`,
    `${T} C: EHLO me\\r\\n`,
    `${T} S: 250-mx.test\\r\\n`,
    `${T} S: 250 AUTH PLAIN\\r\\n`,
    `${T} C: AUTH PLAIN \\<redacted 28 bytes>\\r\\n`,
    `${T} S: 235 2.7.0 Authentication successful\\r\\n`,
    '',
  ].join('\n'));
  const cli = spawnCli(['replay', log, `smtp://127.0.0.1:${server.port}`, '--timeout', '5'], { env: { MAILSH_PASSWORD: undefined } });
  await cli.waitFor('password for the masked credentials: ');
  const mark = cli.mark();
  cli.type('typed-secret\r');
  await cli.waitFor(/replay: 3 replies compared, 0 differ/, 5000, mark);
  assert.equal(await cli.exited, 0);
  assert.doesNotMatch(cli.screen(), /typed-secret/);
  assert.match(cli.screen(), /C: AUTH PLAIN <redacted 28 bytes>/);
});

it('Ctrl-C at the password prompt cancels the replay (exit 2)', async () => {
  const log = join(mkdtempSync(join(tmpdir(), 'mailsh-replay-pty-')), 'login.log');
  const T = '2026-11-24T05:00:00.000Z';
  writeFileSync(log, `# mailsh 0.1.0 transcript target=imap://h:143 start=${T}\n${T} S: * OK hi\\r\\n\n${T} C: A001 LOGIN alice \\<redacted 6 bytes>\\r\\n\n`);
  const imap = await startScriptedServer({ greeting: '* OK ready\r\n', onLine: (line, conn) => conn.write(`${line.split(' ')[0]} OK done\r\n`) });
  try {
    const cli = spawnCli(['replay', log, `imap://127.0.0.1:${imap.port}`, '--timeout', '5'], { env: { MAILSH_PASSWORD: undefined } });
    await cli.waitFor('password for the masked credentials: ');
    cli.type('\x03');
    await cli.waitFor(/mailsh: cancelled: nothing was sent/);
    assert.equal(await cli.exited, 2);
    assert.equal(imap.conns[0].received().toString(), 'A001 LOGOUT\r\n', 'no LOGIN went out');
  } finally {
    await imap.close();
  }
});
