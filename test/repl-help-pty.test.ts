/**
 * Completion, help, history and hints as a person meets them at the prompt
 * (issue 16 §5–§6): in a pseudo-terminal, on the screen xterm.js draws.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { spawnCli, type PtySession } from './support/pty-session.js';
import type { LineHandler, ScriptedServer } from './support/scripted-server.js';
import { atPrompt, openScriptedPty, scriptedPtyCleanup } from './support/scripted-pty.js';

const servers = scriptedPtyCleanup();

function open(url: string, greeting: string, onLine: LineHandler, opts: { cols?: number; state?: string } = {}): Promise<{ server: ScriptedServer; cli: PtySession }> {
  const env = opts.state ? { XDG_STATE_HOME: opts.state } : {};
  return openScriptedPty(servers, url, greeting, onLine, { cols: opts.cols ?? 80, rows: 40, env });
}

const smtpServer: LineHandler = (line, conn) => {
  if (/^EHLO/i.test(line)) conn.write('250-hi\r\n250-SIZE 10240000\r\n250-PIPELINING\r\n250 AUTH PLAIN LOGIN\r\n');
  else if (/^DATA$/i.test(line)) conn.write('354 go ahead\r\n');
  else if (/^QUIT$/i.test(line)) conn.end('221 bye\r\n');
  else if (line === '.' || /^(MAIL|RCPT|NOOP)/i.test(line)) conn.write('250 ok\r\n');
};

const imapServer: LineHandler = (line, conn) => {
  const [tag, command = ''] = line.split(' ');
  if (/^IDLE$/i.test(command)) conn.write('+ idling\r\n');
  else if (/^DONE$/i.test(line)) conn.write('A002 OK idle done\r\n');
  else if (/^LOGOUT$/i.test(command)) conn.end(`* BYE\r\n${tag} OK bye\r\n`);
  else if (!/^(select|noop|idle)$/i.test(command)) conn.write(`${tag} BAD Error in IMAP command ${command}: Unknown command.\r\n`);
  else conn.write(`${tag} OK done\r\n`);
};

/** The rows from the one containing `from` on: the terminal wrapped none of them (no word was cut at the margin). */
async function assertNoTerminalWraps(cli: PtySession, from: string): Promise<string[]> {
  const rows = await cli.rendered();
  const wrapped = await cli.wrapped();
  const start = rows.findIndex((r) => r.includes(from));
  assert.ok(start >= 0, `${from} is on screen`);
  const cut = rows.findIndex((_, i) => i > start && wrapped[i]);
  assert.equal(cut, -1, `the terminal wrapped no row:\n${rows.slice(start).join('\n')}`);
  return rows.slice(start);
}

describe('completion, help, history and hints at the prompt', () => {
  it('Tab after AUTH offers the announced mechanisms, not every EHLO keyword', async () => {
    const { cli } = await open('smtp://127.0.0.1:PORT', '220 test ESMTP\r\n', smtpServer);
    cli.type('EHLO me\r');
    await cli.waitForRendered((r) => r.some((row) => row.includes('S: 250 AUTH PLAIN LOGIN')) && atPrompt('smtp>')(r), 'the EHLO reply');
    await cli.typeKeys('AUTH ');
    cli.type('\t\t');
    const rows = await cli.waitForRendered((r) => r.some((row) => /PLAIN\s+LOGIN/.test(row)), 'the mechanisms offered');
    const shown = rows.join('\n');
    assert.ok(!/^.*10240000.*$/m.test(shown.split('S: 250 AUTH')[1]), `no SIZE value offered:\n${shown}`);
    assert.ok(!/PIPELINING\s/.test(shown.split('S: 250 AUTH')[1]), `no EHLO keyword offered:\n${shown}`);
  });

  for (const cols of [40, 80]) {
    it(`/help fits ${cols} columns with words wrapped whole`, async () => {
      const { cli } = await open('smtp://127.0.0.1:PORT', '220 test ESMTP\r\n', smtpServer, { cols });
      cli.type('/help\r');
      await cli.waitForRendered((r) => r.some((row) => row.includes('send a line starting with /')) && atPrompt('smtp>')(r), 'the help');
      const lines = await assertNoTerminalWraps(cli, 'Lines are sent to the server');
      assert.ok(lines.map((l) => l.trim()).join(' ').includes('drop the connection without a goodbye'));
    });

    it(`mailsh --help fits ${cols} columns with words wrapped whole`, async () => {
      const cli = spawnCli(['--help'], { cols, rows: 80 });
      assert.equal(await cli.exited, 0);
      const lines = await assertNoTerminalWraps(cli, 'usage:');
      assert.ok(lines.some((l) => l.includes('mailsh show FILE')));
    });
  }

  it('history is kept per protocol and never holds message text', async () => {
    const state = mkdtempSync(join(tmpdir(), 'mailsh-history-'));
    const smtp = await open('smtp://127.0.0.1:PORT', '220 test ESMTP\r\n', smtpServer, { state });
    // One at a time, each after its reply: the lines after DATA are message text.
    for (const [line, reply] of [['EHLO me', 'S: 250 AUTH'], ['MAIL FROM:<a@b>', 'S: 250 ok'], ['RCPT TO:<c@d>', 'S: 250 ok'], ['DATA', 'S: 354']]) {
      const before = (await smtp.cli.rendered()).filter((r) => r.startsWith(reply)).length;
      smtp.cli.type(`${line}\r`);
      await smtp.cli.waitForRendered((r) => r.filter((row) => row.startsWith(reply)).length > before, `the reply to ${line}`);
    }
    for (const line of ['Subject: body text', '', 'message body line', '.']) smtp.cli.type(`${line}\r`);
    await smtp.cli.waitForRendered((r) => r.filter((row) => row === 'S: 250 ok').length === 3 && atPrompt('smtp>')(r), 'the message accepted');
    // Up at once: the last command, not message text.
    smtp.cli.type('\x1b[A');
    await smtp.cli.waitForRendered((r) => r.at(-1) === 'smtp> DATA', 'DATA brought back by Up');
    smtp.cli.type('\x03\x04');
    assert.equal(await smtp.cli.exited, 0);

    const imap = await open('imap://127.0.0.1:PORT', '* OK ready\r\n', imapServer, { state });
    imap.cli.type('\x1b[A');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await imap.cli.rendered()).at(-1)?.trimEnd(), 'imap>', 'Up in a first IMAP session offers nothing from SMTP');
    imap.cli.type('a noop\r');
    await imap.cli.waitForRendered((r) => r.some((row) => row.includes('S: a OK done')) && atPrompt('imap>')(r), 'the NOOP reply');
    imap.cli.type('\x04');
    assert.equal(await imap.cli.exited, 0);
    assert.deepEqual(readdirSync(join(state, 'mailsh')).sort(), ['history-imap', 'history-smtp']);

    const again = await open('imap://127.0.0.1:PORT', '* OK ready\r\n', imapServer, { state });
    again.cli.type('\x1b[A');
    await again.cli.waitForRendered((r) => r.at(-1) === 'imap> a noop', 'the IMAP history');
    again.cli.type('\x1b[A');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await again.cli.rendered()).at(-1)?.trimEnd(), 'imap>', 'nothing older: no SMTP line, no message text');
  });

  it('hints before sending: a mistyped command, and a line other than DONE during IDLE', async () => {
    const { server, cli } = await open('imap://127.0.0.1:PORT', '* OK ready\r\n', imapServer);
    cli.type('selct INBOX\r');
    let rows = await cli.waitForRendered((r) => r.some((row) => row.startsWith('S: selct BAD')) && atPrompt('imap>')(r), 'the BAD');
    const hint = rows.findIndex((r) => r.includes('neither "selct" nor "INBOX" is an IMAP command'));
    assert.ok(hint >= 0 && hint < rows.findIndex((r) => r.startsWith('C: selct INBOX')), `the hint comes before the line goes out:\n${rows.join('\n')}`);
    assert.match(server.conns[0].received().toString(), /^selct INBOX\r\n/m, 'the line is still sent');
    cli.type('idle\r');
    await cli.waitForRendered(atPrompt('imap idle>'), 'the idle prompt');
    cli.type('noop\r');
    rows = await cli.waitForRendered((r) => r.some((row) => row.startsWith('C: noop')), 'the noop echo');
    const idleHint = rows.findIndex((r) => r.includes('only DONE ends it'));
    assert.ok(idleHint >= 0 && idleHint < rows.findIndex((r) => r.startsWith('C: noop')), `the IDLE hint comes first:\n${rows.join('\n')}`);
  });
});

describe('the command line for newcomers', () => {
  it('mailsh with no arguments mentions mailsh try; mailsh show without a file says a file is needed', async () => {
    const bare = spawnCli([], { cols: 200 });
    assert.equal(await bare.exited, 2);
    assert.match(bare.screen(), /mailsh try smtp/);
    const show = spawnCli(['show'], { cols: 200 });
    assert.equal(await show.exited, 2);
    assert.match(show.screen(), /mailsh show needs a transcript file/);
    assert.ok(!show.screen().includes('has no port'));
  });
});
