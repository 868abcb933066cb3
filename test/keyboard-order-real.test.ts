/**
 * Issue 16 §1 and §2 where a person meets them: a real bracketed paste in a
 * pseudo-terminal against Postfix, refused DATA/AUTH dropping the lines typed
 * as their data (prompt and script), and quitting from IDLE, a SASL exchange,
 * DATA and a typed literal against Postfix and Dovecot.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { killAllPtys, spawnCli, type PtySession } from './support/pty-session.js';
import { useRealServers } from './support/real-fixture.js';
import type { RealServers } from './support/real-servers.js';
import { runInProcess } from './support/run-in-process.js';

const real = useRealServers();
afterEach(() => killAllPtys());
after(() => killAllPtys());

const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';

/** Lines pasted at once, the way a terminal sends them: bracketed, each ended by CR. */
const paste = (cli: PtySession, lines: string[]): void => cli.type(`${PASTE_START}${lines.map((l) => `${l}\r`).join('')}${PASTE_END}`);

const alice = (s: RealServers) => s.users.find((u) => u.name === 'alice')!;

/** mailsh on Postfix's MX port, after EHLO. */
async function smtpAfterEhlo(s: RealServers, args: string[] = []): Promise<PtySession> {
  const cli = spawnCli([`smtp://127.0.0.1:${s.smtpPort}`, '--timeout', '5', ...args]);
  await cli.waitForLine('smtp> ', 10_000);
  cli.type('EHLO client.test\r');
  await cli.waitFor(/S: 250 [A-Z0-9]+/);
  await cli.waitForLine('smtp> ');
  return cli;
}

/** mailsh on Dovecot IMAP, logged in as alice. */
async function imapLoggedIn(s: RealServers, args: string[] = []): Promise<PtySession> {
  const cli = spawnCli([`imap://127.0.0.1:${s.imapPort}`, '--timeout', '5', ...args]);
  await cli.waitForLine('imap> ', 10_000);
  cli.type(`a login alice ${alice(s).password}\r`);
  await cli.waitFor('a OK');
  await cli.waitForLine('imap> ');
  return cli;
}

/** The `C:` echoes of what went out, in order. */
const sentLines = (screen: string): string[] => screen.match(/C: [^\r\n]*/g) ?? [];

const logFile = (): string => join(mkdtempSync(join(tmpdir(), 'mailsh-order-')), 'session.log');

describe('a paste of a whole SMTP transaction', () => {
  it('Postfix: body lines wait for 354; "RCPT TO:" in the body is delivered as text', async (t) => {
    const s = real(t);
    if (!s) return;
    const marker = `paste-${process.pid}-${Date.now()}`;
    const cli = await smtpAfterEhlo(s);
    const mark = cli.mark();
    paste(cli, [`MAIL FROM:<${alice(s).address}>`, `RCPT TO:<${alice(s).address}>`, 'DATA', `Subject: ${marker}`, '', `RCPT TO:<bob@${s.domain}>`, 'line 3', '.']);
    await cli.waitFor(/S: 250 2\.0\.0 Ok: queued/, 10_000, mark);
    await cli.waitForLine('smtp> ');
    const screen = cli.screen(mark);
    assert.doesNotMatch(screen, /221|I can break rules|!!/, screen);
    const raw = await s.waitForMessage('alice', (m) => m.includes(marker));
    assert.match(raw, new RegExp(`\\n\\nRCPT TO:<bob@${s.domain.replace('.', '\\.')}>\\nline 3\\n`));
    cli.type('\x04');
    await cli.waitFor('S: 221 ');
    assert.equal(await cli.exited, 0);
  });

  it('Postfix refuses DATA: the pasted message is dropped with a note, not sent as commands', async (t) => {
    const s = real(t);
    if (!s) return;
    const cli = await smtpAfterEhlo(s);
    const mark = cli.mark();
    paste(cli, [`MAIL FROM:<${alice(s).address}>`, 'RCPT TO:<someone@example.com>', 'DATA', 'Subject: x', '', 'QUIT', '.', 'NOOP']);
    await cli.waitFor(/dropped, not sent/, 10_000, mark);
    await cli.waitFor(/C: NOOP[\s\S]*S: 250/, 5000, mark);
    const screen = cli.screen(mark);
    assert.match(screen, /S: 554 5\.5\.1 Error: no valid recipients/);
    assert.match(screen, /DATA was refused: 4 lines typed for it \(the message, up to the lone "\."\) dropped, not sent/);
    assert.doesNotMatch(screen, /C: (Subject|QUIT|\.)/);
    cli.type('\x04');
    assert.equal(await cli.exited, 0);
  });

  it('Postfix refuses AUTH: the pasted SASL responses are dropped with a note', async (t) => {
    const s = real(t);
    if (!s) return;
    const cli = await smtpAfterEhlo(s);
    const mark = cli.mark();
    paste(cli, ['AUTH LOGIN', 'YWxpY2U=', 'c2VjcmV0', 'NOOP']);
    await cli.waitFor(/C: NOOP[\s\S]*S: 250/, 10_000, mark);
    const screen = cli.screen(mark);
    assert.match(screen, /S: 503 5\.5\.1 Error: authentication not enabled/);
    assert.match(screen, /AUTH was refused: 2 lines typed for it \(SASL responses\) dropped, not sent/);
    // The terminal's own echo of the paste stays; nothing of it went out.
    assert.deepEqual(sentLines(screen), ['C: AUTH LOGIN', 'C: NOOP']);
    cli.type('\x04');
    assert.equal(await cli.exited, 0);
  });
});

describe('refused DATA and AUTH in a script', () => {
  it('Postfix: the message after a refused DATA is dropped with a note; exit 1', async (t) => {
    const s = real(t);
    if (!s) return;
    const script = ['EHLO client.test', `MAIL FROM:<${alice(s).address}>`, 'RCPT TO:<someone@example.com>', 'DATA', 'Subject: x', '', 'RCPT TO:<bob@x>', 'QUIT', '.', 'RSET', ''].join('\n');
    const r = await runInProcess([`smtp://127.0.0.1:${s.smtpPort}`], [script]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /DATA was refused: 5 lines typed for it \(the message, up to the lone "\."\) dropped, not sent/);
    assert.match(r.stdout, /^C: DATA\nS: 554 5\.5\.1 Error: no valid recipients\nC: RSET\nS: 250 /m);
    assert.doesNotMatch(r.stdout, /C: (Subject|RCPT TO:<bob|\.$)/m);
  });

  it('Postfix: the SASL responses after a refused AUTH are dropped with a note; exit 1 even when /expect accepts the refusal', async (t) => {
    const s = real(t);
    if (!s) return;
    const script = ['EHLO client.test', 'AUTH LOGIN', '/expect 503', 'YWxpY2U=', 'c2VjcmV0', 'NOOP', ''].join('\n');
    const r = await runInProcess([`smtp://127.0.0.1:${s.smtpPort}`], [script]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /AUTH was refused: 2 lines typed for it \(SASL responses\) dropped, not sent/);
    assert.match(r.stdout, /^S: 503 5\.5\.1 Error: authentication not enabled\nC: NOOP\nS: 250 /m);
    assert.doesNotMatch(r.stdout, /YWxpY2U=|c2VjcmV0/);
  });

  it('Postfix: a script that ends inside DATA closes without sending, with a note; exit 1', async (t) => {
    const s = real(t);
    if (!s) return;
    const script = ['EHLO client.test', `MAIL FROM:<${alice(s).address}>`, `RCPT TO:<${alice(s).address}>`, 'DATA', 'Subject: unfinished', ''].join('\n');
    const r = await runInProcess([`smtp://127.0.0.1:${s.smtpPort}`], [script]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /closed inside DATA: the message was not sent/);
    assert.doesNotMatch(r.stdout, /C: QUIT/);
  });
});

describe('quitting from every state', () => {
  for (const [how, key] of [['Ctrl-D', '\x04'], ['Ctrl-C on an empty line', '\x03'], ['/quit', '/quit\r']] as const) {
    it(`Dovecot IDLE, ${how}: DONE, its tagged reply, then a tagged LOGOUT`, async (t) => {
      const s = real(t);
      if (!s) return;
      const cli = await imapLoggedIn(s);
      cli.type('b select INBOX\r');
      await cli.waitForLine('imap INBOX> ');
      cli.type('c idle\r');
      await cli.waitForLine('imap idle> ');
      const mark = cli.mark();
      cli.type(key);
      assert.equal(await cli.exited, 0);
      const screen = cli.screen(mark);
      assert.match(screen, /C: DONE[\s\S]*S: c OK Idle completed[\s\S]*C: A\d+ LOGOUT[\s\S]*S: \* BYE/, screen);
      assert.deepEqual(sentLines(screen), ['C: DONE', 'C: A001 LOGOUT']);
      assert.doesNotMatch(screen, /BAD/);
    });
  }

  it('Dovecot AUTHENTICATE under way, Ctrl-D: cancelled with "*", then LOGOUT', async (t) => {
    const s = real(t);
    if (!s) return;
    const cli = spawnCli([`imap://127.0.0.1:${s.imapPort}`, '--timeout', '5']);
    await cli.waitForLine('imap> ', 10_000);
    cli.type('a authenticate PLAIN\r');
    await cli.waitForLine('imap +> ');
    const mark = cli.mark();
    cli.type('\x04');
    assert.equal(await cli.exited, 0);
    const screen = cli.screen(mark);
    assert.match(screen, /C: \*[\s\S]*S: a BAD[^\r\n]*abort[\s\S]*C: A\d+ LOGOUT[\s\S]*S: \* BYE/i, screen);
    assert.deepEqual(sentLines(screen), ['C: *', 'C: A001 LOGOUT']);
  });

  it('Postfix inside DATA, Ctrl-D: says how to finish; "." sends the message, then Ctrl-D quits', async (t) => {
    const s = real(t);
    if (!s) return;
    const marker = `quit-data-${process.pid}-${Date.now()}`;
    const cli = await smtpAfterEhlo(s);
    cli.type(`MAIL FROM:<${alice(s).address}>\rRCPT TO:<${alice(s).address}>\rDATA\r`);
    await cli.waitForLine('smtp data> ');
    cli.type(`Subject: ${marker}\r`);
    await cli.waitFor(`C: Subject: ${marker}`);
    const mark = cli.mark();
    cli.type('\x04');
    await cli.waitFor('inside DATA: a line with "." alone sends the message; Ctrl-D again drops the connection without sending it', 5000, mark);
    await cli.waitForLine('smtp data> ');
    cli.type('.\r');
    await cli.waitFor(/S: 250 2\.0\.0 Ok: queued/, 10_000, mark);
    cli.type('\x04');
    await cli.waitFor('S: 221 ', 5000, mark);
    assert.equal(await cli.exited, 0);
    await s.waitForMessage('alice', (m) => m.includes(marker));
  });

  it('Postfix inside DATA, Ctrl-D twice: the connection is dropped without sending, noted in the transcript', async (t) => {
    const s = real(t);
    if (!s) return;
    const log = logFile();
    const cli = await smtpAfterEhlo(s, ['--log', log]);
    cli.type(`MAIL FROM:<${alice(s).address}>\rRCPT TO:<${alice(s).address}>\rDATA\r`);
    await cli.waitForLine('smtp data> ');
    cli.type('Subject: never sent\r');
    const mark = cli.mark();
    cli.type('\x04');
    await cli.waitFor('Ctrl-D again drops the connection', 5000, mark);
    cli.type('\x04');
    assert.equal(await cli.exited, 0);
    const screen = cli.screen(mark);
    assert.match(screen, /closed inside DATA: the message was not sent/);
    assert.doesNotMatch(screen, /C: (\.|QUIT)/);
    assert.match(readFileSync(log, 'utf8'), /closed inside DATA: the message was not sent/);
  });

  it('Dovecot inside a typed literal, Ctrl-D: says how to finish; again drops it, noted in the transcript', async (t) => {
    const s = real(t);
    if (!s) return;
    const log = logFile();
    const cli = await imapLoggedIn(s, ['--log', log]);
    cli.type('b append INBOX {40}\r');
    await cli.waitForLine('imap +40> ');
    cli.type('Subject: half\r');
    await cli.waitForLine('imap +25> ');
    const mark = cli.mark();
    cli.type('\x04');
    await cli.waitFor('inside a literal (25 bytes to go): type them to finish it; Ctrl-D again drops the connection without sending it', 5000, mark);
    cli.type('\x04');
    assert.equal(await cli.exited, 0);
    assert.match(cli.screen(mark), /closed inside a literal \(25 bytes to go\): the command was not finished/);
    assert.doesNotMatch(cli.screen(mark), /LOGOUT/);
    assert.match(readFileSync(log, 'utf8'), /closed inside a literal/);
  });
});
