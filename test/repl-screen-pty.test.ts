/**
 * What a person sees (issue 16 §3): mailsh in a pseudo-terminal whose output
 * is drawn by a real terminal emulator (xterm.js, headless). Wide (CJK,
 * emoji) and combining characters, lines longer than the window, server
 * lines arriving mid-typing and window resizes must leave no stale rows —
 * above all, no part of a password typed on a LOGIN line.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PtySession } from './support/pty-session.js';
import type { LineHandler, ScriptedServer } from './support/scripted-server.js';
import { atPrompt, openScriptedPty, scriptedPtyCleanup } from './support/scripted-pty.js';

const servers = scriptedPtyCleanup();

/** A scripted server and mailsh on it at `cols` columns, at its first prompt. */
function openAt(url: string, greeting: string, onLine: LineHandler, cols: number): Promise<{ server: ScriptedServer; cli: PtySession }> {
  return openScriptedPty(servers, url, greeting, onLine, { cols, rows: 24 });
}

/** IMAP that answers every tagged command OK. */
const imapAt = (cols: number): ReturnType<typeof openAt> =>
  openAt('imap://127.0.0.1:PORT', '* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n', (line, conn) => conn.write(`${line.split(' ')[0]} OK done\r\n`), cols);

/** SMTP that takes DATA and says nothing while the message is typed. */
const smtpAt = (cols: number): ReturnType<typeof openAt> =>
  openAt(
    'smtp://127.0.0.1:PORT',
    '220 test ESMTP\r\n',
    (line, conn) => {
      if (/^DATA$/i.test(line)) conn.write('354 go ahead\r\n');
      else if (/^(EHLO|MAIL|RCPT)/i.test(line)) conn.write('250 ok\r\n');
    },
    cols,
  );

const CJK = '我的密码是一二三四五六七八九十';

/** A password twice as wide as the window: CJK, with an emoji and a combining acute accent. */
function passwordFor(cols: number): string {
  const cjk = Array.from({ length: cols }, (_, i) => CJK[i % CJK.length]);
  cjk.splice(cols >> 1, 0, '😀', 'e\u0301');
  return cjk.join('');
}

describe('the rendered screen (xterm.js)', () => {
  for (const cols of [40, 80, 200]) {
    it(`at ${cols} columns, no part of a wide-character password stays on screen after Enter on LOGIN`, async () => {
      const { server, cli } = await imapAt(cols);
      const password = passwordFor(cols);
      const half = 3;
      await cli.typeKeys('a login zhangwei ');
      // An input method commits its text in one write, as a paste does.
      await cli.typeChunk(password.slice(0, half));
      // A server line arrives mid-typing: it shows above, the line is redrawn below.
      server.conns[0].write('* OK [ALERT] still here\r\n');
      await cli.waitForRendered((rows) => rows.some((r) => r.includes('S: * OK [ALERT] still here')), 'the alert');
      await cli.typeChunk(password.slice(half));
      cli.type('\r');
      const rows = await cli.waitForRendered((r) => r.some((row) => row.includes('S: a OK done')) && atPrompt('imap>')(r), 'the reply and the prompt');
      const screen = rows.join('\n');
      for (const ch of new Set(password.replace(/[a-z\u0301]/g, ''))) assert.ok(!screen.includes(ch), `no ${ch} of the password on screen:\n${screen}`);
      assert.ok(!screen.includes('imap> a login'), `the typed line is gone, only its masked echo stays:\n${screen}`);
      assert.match(screen, /C: a login zhangwei <redacted \d+ bytes>/);
      assert.equal(rows.filter((r) => r.includes('S: * OK [ALERT] still here')).length, 1, 'the alert shows once');
    });

    it(`at ${cols} columns, a message line of CJK, emoji, combining marks and a tab leaves no stale copy`, async () => {
      const { cli } = await smtpAt(cols);
      for (const cmd of ['MAIL FROM:<a@b>', 'RCPT TO:<c@d>', 'DATA']) cli.type(`${cmd}\r`);
      await cli.waitForRendered(atPrompt('smtp data>'), 'the smtp data> prompt');
      // Longer than the window: 58 CJK characters (as in the issue) and more.
      const text = `开头${'邮件的中文内容一二三四五六七八九十'.repeat(Math.ceil(cols / 17) + 1).slice(0, Math.max(56, cols))}\t😀 café e\u0301`;
      await cli.typeChunk(text);
      cli.type('\r');
      const rows = await cli.waitForRendered((r) => r.some((row) => row.startsWith('C: 开头')) && atPrompt('smtp data>')(r), 'the echo and the prompt');
      const screen = rows.join('\n');
      assert.equal(rows.join('').split('开头').length - 1, 1, `the line shows once, as sent:\n${screen}`);
      assert.equal(rows.join('').normalize('NFC').split('😀 café \u00e9').length - 1, 1, `its end shows once:\n${screen}`);
    });
  }

  it('a window resize leaves no stale prompt rows and keeps the lines above', async () => {
    const { cli } = await imapAt(100);
    const typed = `a select ${'文件夹'.repeat(12)}`;
    await cli.typeChunk(typed);
    const check = async (what: string): Promise<void> => {
      const rows = await cli.waitForRendered((r) => r.join('').replace(/\s/g, '').endsWith(typed.replace(/\s/g, '')), `the redraw ${what}`);
      const screen = rows.join('\n');
      assert.equal(rows.filter((r) => r.startsWith('imap>')).length, 1, `one prompt ${what}:\n${screen}`);
      assert.equal(rows.join('').split('文件夹').length - 1, 12, `the input shows once ${what}:\n${screen}`);
      assert.ok(rows.some((r) => r.includes('S: * OK [CAPABILITY')), `the greeting stays ${what}:\n${screen}`);
    };
    await cli.resize(40, 24);
    await check('after shrinking to 40 columns');
    await cli.resize(80, 24);
    await check('after growing to 80 columns');
    await cli.resize(200, 24);
    await check('after growing to 200 columns');
  });
});
