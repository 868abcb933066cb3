/** /expect at the terminal (SPEC §10): a mismatch is shown and the session goes on. */
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { startFakeSmtp, type FakeSmtp } from './support/fake-smtp.js';
import { killAllPtys, spawnCli } from './support/pty-session.js';

let server: FakeSmtp | undefined;
after(async () => {
  killAllPtys();
  await server?.close();
});

it('a failed /expect at the prompt prints the mismatch, sends nothing, and the next line goes out', async () => {
  server = await startFakeSmtp();
  const cli = spawnCli([`smtp://127.0.0.1:${server.port}`, '--timeout', '5']);
  await cli.waitFor(/220 fake\.test ESMTP[\s\S]*smtp> /);
  let mark = cli.mark();
  cli.type('EHLO me\r');
  await cli.waitFor(/S: 250 AUTH PLAIN LOGIN[\s\S]*smtp> /, 5000, mark);
  mark = cli.mark();
  cli.type('/expect 5xx\r');
  await cli.waitFor(/expected 5xx, got 250 AUTH PLAIN LOGIN \(reply to EHLO\)[\s\S]*smtp> /, 5000, mark);
  cli.type('/expect 250\r');
  mark = cli.mark();
  cli.type('NOOP\r');
  await server.waitForReceived('EHLO me\r\nNOOP\r\n');
  await cli.waitFor(/S: 250 ok/, 5000, mark);
  assert.doesNotMatch(cli.screen(mark), /expected 250/);
});
