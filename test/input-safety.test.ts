/**
 * Input safety (issue 7): text with terminal control bytes is sent only when
 * the user asks (`/raw on` in scripts, `/bytes` anywhere), otherwise it is
 * refused with a warning; a line over the protocol's limit warns before it
 * is sent (and is still sent: an admin may be testing exactly that). Tested
 * in script mode and in a real pseudo-terminal, where readline would
 * otherwise drop or obey the pasted bytes without a word.
 */
import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { assertSane } from './support/assert-sane.js';
import { killAllPtys, spawnCli, type PtySession } from './support/pty-session.js';
import { runInProcess } from './support/run-in-process.js';
import { smtpHandler, startScriptedServer, type LineHandler, type ScriptedServer } from './support/scripted-server.js';

const servers: ScriptedServer[] = [];
afterEach(() => killAllPtys());
after(async () => {
  killAllPtys();
  await Promise.all(servers.map((s) => s.close()));
});

async function server(greeting = '220 hi\r\n', onLine: LineHandler = smtpHandler()): Promise<ScriptedServer> {
  const s = await startScriptedServer({ greeting, onLine });
  servers.push(s);
  return s;
}

/** Answers every tagged or untagged command with a plain OK, IMAP or POP3 style. */
const okHandler = (imap: boolean): LineHandler => (line, conn) => {
  const tag = line.split(' ')[0];
  if (/QUIT|LOGOUT/i.test(line)) conn.end(imap ? `${tag} OK bye\r\n` : '+OK bye\r\n');
  else conn.write(imap ? `${tag} OK done\r\n` : '+OK\r\n');
};

const wire = async (s: ScriptedServer): Promise<string> => (await s.firstClosed()).toString('latin1');

describe('input safety in script mode', () => {
  it('a line with control bytes is refused, named, and not sent (exit 2)', async () => {
    const s = await server();
    const r = await runInProcess([`smtp://127.0.0.1:${s.port}`, '-e', 'NOOP \x1b]0;x\x07', '-e', 'NOOP']);
    assertSane(r, 2, 'control bytes');
    assert.match(r.stderr, /the line holds control characters \(\\x1b \\x07\): not sent; \/bytes sends exact bytes, \/raw on sends lines as typed/);
    assert.equal(await wire(s), 'QUIT\r\n');
  });

  it('an unknown meta command made of escape sequences is named escaped', async () => {
    const s = await server();
    const r = await runInProcess([`smtp://127.0.0.1:${s.port}`, '-e', '/\x1b[2Jx']);
    assertSane(r, 2, 'meta');
    assert.match(r.stderr, /unknown meta command \/\\x1b\[2Jx/);
    assert.equal(await wire(s), 'QUIT\r\n');
  });

  it('piped input with NUL, DEL or a C1 control is refused the same way', async () => {
    for (const [bytes, shown] of [['\x00', '\\x00'], ['\x7f', '\\x7f'], ['\u009b', '\\u009b']]) {
      const s = await server();
      const r = await runInProcess([`smtp://127.0.0.1:${s.port}`], [`NOOP a${bytes}b\n`]);
      assertSane(r, 2, shown);
      assert.ok(r.stderr.includes(`control characters (${shown})`), r.stderr);
      assert.equal(await wire(s), 'QUIT\r\n');
    }
  });

  it('/raw on sends them as typed; /bytes sends exact bytes', async () => {
    const s = await server();
    const r = await runInProcess([`smtp://127.0.0.1:${s.port}`, '-e', '/bytes NOOP \\x1b[0m\\r\\n', '-e', '/raw on', '-e', 'NOOP \x1b[1m\tx']);
    assertSane(r, 0, 'raw');
    assert.equal(await wire(s), 'NOOP \x1b[0m\r\nNOOP \x1b[1m\tx\r\n');
    assert.match(r.stdout, /C: NOOP \\x1b\[1m\tx/);
  });

  const CASES: { name: string; url: string; greeting: string; onLine: LineHandler; lines: string[]; warn?: RegExp }[] = [
    { name: 'SMTP command over 512 bytes', url: 'smtp', greeting: '220 hi\r\n', onLine: smtpHandler(), lines: [`NOOP ${'x'.repeat(600)}`], warn: /this line is 607 bytes with CRLF, over SMTP's 512-byte command line limit \(RFC 5321 §4\.5\.3\.1\.4\); sending it anyway/ },
    { name: 'SMTP command of exactly 512 bytes', url: 'smtp', greeting: '220 hi\r\n', onLine: smtpHandler(), lines: [`NOOP ${'x'.repeat(505)}`] },
    {
      name: 'SMTP DATA text line over 1000 bytes',
      url: 'smtp',
      greeting: '220 hi\r\n',
      onLine: smtpHandler(),
      lines: ['MAIL FROM:<a@b.c>', 'RCPT TO:<d@e.f>', 'DATA', 'y'.repeat(1100), '.'],
      warn: /this line is 1102 bytes with CRLF, over SMTP's 1000-byte text line limit \(RFC 5321 §4\.5\.3\.1\.6\)/,
    },
    { name: 'SMTP DATA text line of 998 bytes', url: 'smtp', greeting: '220 hi\r\n', onLine: smtpHandler(), lines: ['MAIL FROM:<a@b.c>', 'RCPT TO:<d@e.f>', 'DATA', 'y'.repeat(998), '.'] },
    { name: 'IMAP command over 8 KiB', url: 'imap', greeting: '* OK hi\r\n', onLine: okHandler(true), lines: [`NOOP ${'x'.repeat(9000)}`], warn: /this line is 9012 bytes with CRLF, over IMAP's advised 8 KiB command line limit \(RFC 7162 §4\)/ },
    { name: 'POP3 command over 255 bytes', url: 'pop3', greeting: '+OK hi\r\n', onLine: okHandler(false), lines: [`NOOP ${'x'.repeat(300)}`], warn: /this line is 307 bytes with CRLF, over POP3's 255-byte command limit \(RFC 2449 §4\)/ },
  ];
  for (const c of CASES) {
    it(`${c.name}: ${c.warn ? 'warns, then sends it' : 'no warning'}`, async () => {
      const s = await server(c.greeting, c.onLine);
      const r = await runInProcess([`${c.url}://127.0.0.1:${s.port}`, ...c.lines.flatMap((l) => ['-e', l])]);
      assertSane(r, 0, c.name);
      if (c.warn) assert.match(r.stderr, c.warn);
      else assert.doesNotMatch(r.stderr, /bytes with CRLF/);
      const long = c.lines.reduce((a, b) => (b.length > a.length ? b : a));
      assert.ok((await wire(s)).includes(`${long}\r\n`), 'the long line was sent all the same');
    });
  }
});

describe('input safety at the terminal', () => {
  async function open(): Promise<{ s: ScriptedServer; cli: PtySession }> {
    const s = await server();
    const cli = spawnCli([`smtp://127.0.0.1:${s.port}`, '--timeout', '5'], { env: { NO_COLOR: '1' } });
    await cli.waitFor(/220 hi[\s\S]*smtp> /);
    return { s, cli };
  }

  it('a paste with escape sequences or control bytes is refused and named; nothing is sent', async () => {
    const { s, cli } = await open();
    for (const [paste, shown] of [
      ['NOOP \x1b]0;title\x07z\r', '(\\x1b]0;title\\x07)'],
      ['NOOP \x1b[2Jcleared\r', '(\\x1b[2J)'],
      // What a terminal sends for a paste once mailsh turned bracketed paste on.
      ['\x1b[200~NOOP \x1b[31mred\x1b[0m\x1b[201~\r', '(\\x1b[31m \\x1b[0m)'],
      ['NOOP a\x00b\r', '(\\x00)'],
    ]) {
      const mark = cli.mark();
      cli.type(paste);
      await cli.waitFor(`the pasted line held control characters ${shown}`, 5000, mark);
      await cli.waitForLine('smtp> ');
    }
    // A paste of several lines: only the one with the control byte is held back.
    const mark = cli.mark();
    cli.type('NOOP one\rNOOP \x07two\rNOOP three\r');
    // Two replies: the server has both lines that were sent.
    await cli.waitFor(/S: 250[\s\S]*S: 250/, 5000, mark);
    assert.match(cli.screen(mark), /control characters \(\\x07\)/);
    assert.equal(s.conns[0].received().toString('latin1'), 'NOOP one\r\nNOOP three\r\n');
  });

  it('bracketed paste is on while mailsh runs: a clean paste is sent; keys typed fast are no paste; /quit ends it', { timeout: 15000 }, async () => {
    const { s, cli } = await open();
    assert.ok(cli.raw().includes('\x1b[?2004h'), 'bracketed paste turned on');
    const mark = cli.mark();
    cli.type('\x1b[200~NOOP pasted\x1b[201~\r');
    await cli.waitFor(/S: 250/, 5000, mark);
    // Backspace arriving in one read with the text (fast typing on a slow link).
    cli.type('NOOP ab\x7fc\r');
    await cli.waitFor(/S: 250[\s\S]*S: 250/, 5000, mark);
    assert.equal(s.conns[0].received().toString('latin1'), 'NOOP pasted\r\nNOOP ac\r\n');
    cli.type('/quit\r');
    await cli.exited;
    assert.ok(cli.raw().includes('\x1b[?2004l'), 'bracketed paste turned off again');
  });

  it('/bytes sends exact bytes, control bytes included', async () => {
    const { s, cli } = await open();
    const mark = cli.mark();
    cli.type('/bytes NOOP \\x1b\\r\\n\r');
    await cli.waitFor(/S: 250/, 5000, mark);
    assert.equal(s.conns[0].received().toString('latin1'), 'NOOP \x1b\r\n');
  });

  it('a line over the SMTP limit warns before it is sent', async () => {
    const { s, cli } = await open();
    const mark = cli.mark();
    const long = `NOOP ${'x'.repeat(600)}`;
    cli.type(`${long}\r`);
    await cli.waitFor(/S: 250/, 5000, mark);
    const screen = cli.screen(mark).replace(/\r?\n/g, '\n');
    const warning = screen.indexOf("over SMTP's 512-byte command line limit");
    assert.ok(warning >= 0, 'the warning is shown');
    assert.ok(warning < screen.indexOf('C: NOOP xxx'), 'the warning comes before the echo of what was sent');
    assert.equal(s.conns[0].received().toString('latin1'), `${long}\r\n`);
  });
});
