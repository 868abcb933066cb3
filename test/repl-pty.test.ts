/**
 * The interactive REPL in a real pseudo-terminal (SPEC §2–§3): what is typed
 * reaches the server byte for byte, server output never destroys the line
 * being typed nor drives the terminal, and Ctrl-C / Ctrl-D quit politely.
 */
import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { startFakeSmtp, type FakeSmtp } from './support/fake-smtp.js';
import { currentLine, killAllPtys, spawnCli, type PtyOptions, type PtySession } from './support/pty-session.js';

const servers = new Set<FakeSmtp>();

afterEach(async () => {
  killAllPtys();
  await Promise.all([...servers].map((s) => s.close()));
  servers.clear();
});
after(() => killAllPtys());

/** A fake server and the CLI connected to it, at the `smtp>` prompt after the greeting. */
async function open(opts: PtyOptions = {}): Promise<{ server: FakeSmtp; cli: PtySession }> {
  const server = await startFakeSmtp();
  servers.add(server);
  const cli = spawnCli([`smtp://127.0.0.1:${server.port}`, '--timeout', '5'], opts);
  await cli.waitFor(/220 fake\.test ESMTP[\s\S]*smtp> /);
  return { server, cli };
}

const wire = (server: FakeSmtp): string => server.received().toString('latin1');

/**
 * After a polite quit: the echo of QUIT sits on a line of its own (not glued
 * to the prompt), and mailsh leaves the terminal on a clean line, so the
 * shell's prompt does not start after a stale mailsh prompt.
 */
function assertCleanQuitScreen(cli: PtySession, mark: number): void {
  const raw = cli.raw();
  const quit = raw.indexOf('QUIT', mark);
  assert.ok(quit >= 0, 'the QUIT echo is shown');
  assert.equal(currentLine(raw.slice(0, quit + 4)), 'C: QUIT', 'the QUIT echo is on a line of its own');
  assert.equal(cli.currentLine(), '', 'the terminal is left on a clean line');
}

/** SGR sequences: colour, bold, dim, … */
const SGR_RE = /\x1b\[[0-9;]*m/;

describe('REPL in a pseudo-terminal', () => {
  it('sends a typed EHLO as exactly "EHLO me\\r\\n" and shows the 250 lines and the prompt', async () => {
    const { server, cli } = await open();
    const mark = cli.mark();
    cli.type('EHLO me\r');
    await cli.waitFor(/S: 250 AUTH PLAIN LOGIN[\s\S]*smtp> /, 5000, mark);
    const screen = cli.screen(mark);
    assert.match(screen, /C: EHLO me\r?\n/);
    for (const line of ['250-fake.test greets you', '250-PIPELINING', '250-8BITMIME', '250 AUTH PLAIN LOGIN']) {
      assert.ok(screen.includes(`S: ${line}`), `screen shows ${line}`);
    }
    await cli.waitForLine('smtp> ');
    assert.equal(wire(server), 'EHLO me\r\n');
  });

  /**
   * Types `line` and Enter (key by key as a person does, or as one paste)
   * and checks that the echo of what was sent took its
   * place: no row of the screen still shows the prompt with the typed text.
   */
  async function typeAndCheckEcho(server: FakeSmtp, cli: PtySession, line: string, byKey: boolean): Promise<void> {
    const mark = cli.mark();
    if (byKey) {
      await cli.typeByKey(line);
      cli.type('\r');
    } else cli.type(`${line}\r`);
    await server.waitForReceived(`${line}\r\n`);
    await cli.waitFor(/S: 250 ok\r?\n/, 5000, mark);
    await cli.waitForLine('smtp> ');
    assert.ok(cli.screen(mark).includes(`C: ${line}`), 'the echo is shown');
    const rows = cli.screenLines();
    const stale = rows.filter((row) => row.startsWith('smtp> NOOP'));
    assert.deepEqual(stale, [], `no typed line (${line.length} characters) is left above the echo`);
    const echo = rows.findIndex((row) => row.startsWith(`C: ${line.slice(0, 10)}`));
    assert.match(rows[echo - 1], /^S: (220 fake\.test ESMTP|250 ok)$/, 'the output above the typed line is not wiped');
  }

  it('replaces the typed line by the echo of what was sent (short, wrapped, pasted at exactly the terminal width)', async () => {
    const { server, cli } = await open();
    await typeAndCheckEcho(server, cli, 'NOOP 1 '.padEnd(20, 'y'), true);
    await typeAndCheckEcho(server, cli, 'NOOP 2 '.padEnd(150, 'y'), true);
    // "smtp> " is 6 columns: 94 and 194 characters end exactly at the right margin.
    await typeAndCheckEcho(server, cli, 'NOOP 3 '.padEnd(94, 'y'), false);
    await typeAndCheckEcho(server, cli, 'NOOP 4 '.padEnd(194, 'y'), false);
  });

  it('replaces a typed line that exactly fills the terminal width by the echo', async () => {
    const { server, cli } = await open();
    await typeAndCheckEcho(server, cli, 'NOOP 5 '.padEnd(94, 'y'), true);
    await typeAndCheckEcho(server, cli, 'NOOP 6 '.padEnd(194, 'y'), true);
  });

  it('keeps a half-typed line intact when server output arrives, then sends it uncorrupted', async () => {
    const { server, cli } = await open();
    cli.type('MAIL FROM:<a@b.c>');
    await cli.waitFor('smtp> MAIL FROM:<a@b.c>');
    const mark = cli.mark();
    server.broadcast('250-async line\r\n');
    await cli.waitFor(/S: 250-async line\r?\n[\s\S]*smtp> MAIL FROM:<a@b\.c>/, 5000, mark);
    await cli.waitForLine('smtp> MAIL FROM:<a@b.c>'); // the prompt still shows the half-typed text
    assert.equal(wire(server), '', 'nothing sent before Enter');
    cli.type('\r');
    await server.waitForReceived('\r\n');
    await cli.waitFor('C: MAIL FROM:<a@b.c>', 5000, mark);
    assert.equal(wire(server), 'MAIL FROM:<a@b.c>\r\n');
  });

  it('keeps a half-typed line that wraps past the terminal width intact when server output arrives', async () => {
    const { server, cli } = await open();
    const line = 'MAIL FROM:<'.padEnd(149, 'z') + '>';
    await cli.typeByKey(line);
    const mark = cli.mark();
    server.broadcast('250-async line\r\n');
    await cli.waitFor(/S: 250-async line\r?\n[\s\S]*smtp> MAIL FROM:<z+/, 5000, mark);
    await cli.waitForLine(/^z+>$/);
    const rows = cli.screenLines();
    const at = rows.indexOf('S: 250-async line');
    assert.deepEqual(rows.slice(at), ['S: 250-async line', `smtp> ${line}`.slice(0, 100), `smtp> ${line}`.slice(100)]);
    cli.type('\r');
    await server.waitForReceived('\r\n');
    assert.equal(wire(server), `${line}\r\n`);
  });

  it('sends the single-letter lines R, Q, k, K as-is (no letter is a command)', async () => {
    const { server, cli } = await open();
    for (const letter of ['R', 'Q', 'k', 'K']) {
      cli.type(`${letter}\r`);
      await server.waitForReceived(`${letter}\r\n`);
    }
    await cli.waitFor(/C: K\r?\n[\s\S]*S: 250 ok/);
    assert.equal(wire(server), 'R\r\nQ\r\nk\r\nK\r\n');
    assert.ok(cli.alive, 'still running after Q');
  });

  it('Ctrl-C clears a half-typed line without sending it; Ctrl-C on an empty line quits politely with exit 0', async () => {
    const { server, cli } = await open();
    cli.type('MAIL FROM:<half@typed>');
    await cli.waitFor('smtp> MAIL FROM:<half@typed>');
    cli.type('\x03');
    await cli.waitFor(/smtp> MAIL FROM:<half@typed>[\s\S]*smtp> $/);
    await cli.waitForLine('smtp> '); // the line is cleared
    // Enter on the now-empty line, then a marker line to know the REPL got this far.
    cli.type('\rNOOP\r');
    await server.waitForReceived('NOOP\r\n');
    assert.ok(['NOOP\r\n', '\r\nNOOP\r\n'].includes(wire(server)), `sent ${JSON.stringify(wire(server))}`);
    await cli.waitFor(/C: NOOP\r?\n[\s\S]*S: 250 ok[\s\S]*smtp> $/);
    const before = wire(server);
    const mark = cli.mark();
    cli.type('\x03');
    assert.equal(await cli.exited, 0);
    assertCleanQuitScreen(cli, mark);
    assert.equal(wire(server), `${before}QUIT\r\n`);
    assert.ok(!wire(server).includes('half'), 'the half-typed text never reached the server');
    assert.ok(cli.screen().includes('S: 221 bye'), 'waited for the reply to QUIT');
  });

  it('Ctrl-D on an empty line quits politely with exit 0', async () => {
    const { server, cli } = await open();
    const mark = cli.mark();
    cli.type('\x04');
    assert.equal(await cli.exited, 0);
    assertCleanQuitScreen(cli, mark);
    assert.equal(wire(server), 'QUIT\r\n');
    assert.ok(cli.screen().includes('S: 221 bye'), 'waited for the reply to QUIT');
    await server.clientsClosed();
  });

  it('with NO_COLOR=1 writes no colour or style codes at all', async () => {
    const { cli } = await open({ env: { NO_COLOR: '1' } });
    cli.type('EHLO me\r');
    await cli.waitFor(/S: 250 AUTH PLAIN LOGIN[\s\S]*smtp> /);
    cli.type('\x04');
    assert.equal(await cli.exited, 0);
    const raw = cli.raw();
    assert.doesNotMatch(raw, /\x1b\[[39]\dm/);
    assert.ok(!raw.includes('\x1b[1m'));
    assert.doesNotMatch(raw, SGR_RE);
  });

  it('without NO_COLOR shows a 250 reply in green', async () => {
    const { cli } = await open();
    const mark = cli.mark();
    cli.type('EHLO me\r');
    await cli.waitFor(/S: 250 AUTH PLAIN LOGIN[\s\S]*smtp> /, 5000, mark);
    assert.ok(cli.raw(mark).includes('\x1b[32m250 AUTH PLAIN LOGIN'), 'the 250 line is green');
    assert.ok(cli.raw().includes('\x1b[32m220 fake.test ESMTP'), 'the 220 greeting is green');
  });

  it('never passes a terminal escape from the server to the terminal: it is shown escaped', async () => {
    const { server, cli } = await open();
    const mark = cli.mark();
    server.broadcast('250 ok \x1b]0;pwned\x07 \x1b[2J\r\n');
    await cli.waitFor(/pwned[\s\S]*smtp> /, 5000, mark);
    const raw = cli.raw();
    assert.ok(!raw.includes('\x1b]0;pwned'), 'no OSC title sequence reached the terminal');
    assert.ok(!raw.includes('\x1b[2J'), 'no clear-screen sequence reached the terminal');
    assert.ok(cli.screen(mark).includes('S: 250 ok \\x1b]0;pwned\\x07 \\x1b[2J'), 'the escaped form is shown');
  });

  it('/help and an unknown /nope send nothing; //x sends "/x"', async () => {
    const { server, cli } = await open();
    let mark = cli.mark();
    cli.type('/help\r');
    await cli.waitFor(/send a line starting with \/[\s\S]*smtp> /, 5000, mark);
    const help = cli.screen(mark);
    for (const cmd of ['/help', '/quit', '/close', '/tls', '/caps', '/log', '/raw', '/b64', '/unb64', '/bytes', '//TEXT']) {
      assert.ok(help.includes(`  ${cmd}`), `/help lists ${cmd}`);
    }
    mark = cli.mark();
    cli.type('/nope\r');
    await cli.waitFor(/unknown meta command \/nope[\s\S]*smtp> /, 5000, mark);
    assert.ok(cli.raw(mark).includes('\x1b[31m'), 'the error is shown in red');
    mark = cli.mark();
    cli.type('//x\r');
    await server.waitForReceived('/x\r\n');
    await cli.waitFor(/C: \/x\r?\n[\s\S]*S: 250 ok/, 5000, mark);
    assert.equal(wire(server), '/x\r\n', 'only //x reached the server, as /x');
  });

  it('DATA: the prompt shows "smtp data>", a body line ".hidden" is dot-stuffed, "." returns to "smtp>"', async () => {
    const { server, cli } = await open();
    let mark = cli.mark();
    cli.type('DATA\r');
    await cli.waitFor(/S: 354 [\s\S]*smtp data> /, 5000, mark);
    await cli.waitForLine('smtp data> ');
    cli.type('.hidden\r');
    await server.waitForReceived('..hidden\r\n');
    await cli.waitFor('C: ..hidden', 5000, mark);
    mark = cli.mark();
    cli.type('.\r');
    await cli.waitFor(/S: 250 2\.0\.0 queued\r?\n[\s\S]*smtp> /, 5000, mark);
    await cli.waitForLine('smtp> ');
    assert.equal(wire(server), 'DATA\r\n..hidden\r\n.\r\n');
  });
});
