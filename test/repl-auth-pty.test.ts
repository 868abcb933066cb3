/**
 * Authentication at the terminal (SPEC §8, §9): /auth and {{…}} helpers ask
 * for a missing password with a hidden prompt while server lines keep
 * flowing, and a password typed on a meta command line does not stay on the
 * screen or in the history.
 */
import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { killAllPtys } from './support/pty-session.js';
import { answerHiddenWhileServerTalks, openImapPty } from './support/scripted-pty.js';
import type { ScriptedConn, ScriptedServer } from './support/scripted-server.js';

const servers: ScriptedServer[] = [];
afterEach(async () => {
  killAllPtys();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
after(() => killAllPtys());

const PLAIN = Buffer.from('\0alice\0s3cr3t').toString('base64');

/** IMAP with AUTHENTICATE PLAIN (continuation or SASL-IR) and LOGIN for alice/s3cr3t. */
function imapHandler(): (line: string, conn: ScriptedConn) => void {
  let authTag: string | undefined;
  return (line, conn) => {
    if (authTag) {
      conn.write(line === PLAIN ? `${authTag} OK AUTHENTICATE done\r\n` : `${authTag} NO [AUTHENTICATIONFAILED] wrong\r\n`);
      authTag = undefined;
      return;
    }
    const [tag, command = '', , ir] = line.split(' ');
    if (/^authenticate$/i.test(command) && ir) conn.write(ir === PLAIN ? `${tag} OK AUTHENTICATE done\r\n` : `${tag} NO [AUTHENTICATIONFAILED] wrong\r\n`);
    else if (/^authenticate$/i.test(command)) {
      authTag = tag;
      conn.write('+ \r\n');
    } else if (/^logout$/i.test(command)) conn.end(`* BYE bye\r\n${tag} OK LOGOUT completed\r\n`);
    else conn.write(`${tag} OK ${command} completed\r\n`);
  };
}

const open = (): ReturnType<typeof openImapPty> => openImapPty(servers, '* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake ready\r\n', imapHandler());

const wire = (server: ScriptedServer): string => server.conns[0].received().toString('latin1');

describe('authentication in a pseudo-terminal', () => {
  it('/auth PLAIN asks hidden; a server line during the prompt is shown afterwards; nothing echoes', async () => {
    const { server, cli } = await open();
    const mark = cli.mark();
    cli.type('/auth PLAIN alice\r');
    await answerHiddenWhileServerTalks(cli, server, 'password for alice: ', ['s3c', 'r3t'], mark);
    await cli.waitFor('authenticated as alice with PLAIN', 5000, mark);
    assert.equal(wire(server), `A001 AUTHENTICATE PLAIN\r\n${PLAIN}\r\n`);
    assert.doesNotMatch(cli.raw(), /s3c|r3t/);
    assert.match(cli.screen(mark), /C: A001 AUTHENTICATE PLAIN\r?\n.*S: \+ \r?\n.*C: <redacted 20 bytes>/s);
    assert.match(cli.screen(mark), /S: A001 OK AUTHENTICATE done/);
  });

  it('a {{plain alice}} helper asks for the password, hidden, and the expansion is masked', async () => {
    const { server, cli } = await open();
    const mark = cli.mark();
    cli.type('a authenticate plain {{plain alice}}\r');
    await cli.waitFor('password for alice: ', 5000, mark);
    await cli.waitForLine('password for alice: ');
    cli.type('s3cr3t\r');
    await cli.waitFor('S: a OK AUTHENTICATE done', 5000, mark);
    assert.equal(wire(server), `a authenticate plain ${PLAIN}\r\n`);
    assert.match(cli.screen(mark), /C: a authenticate plain <redacted 20 bytes>/);
    assert.doesNotMatch(cli.raw(), /s3cr3t/);
  });

  it('a password typed on /login is hidden on screen and never comes back with Up', async () => {
    const { server, cli } = await open();
    const mark = cli.mark();
    cli.type('/login alice s3cr3t\r');
    await cli.waitFor('A001 OK LOGIN completed', 5000, mark);
    assert.equal(wire(server), 'A001 LOGIN "alice" "s3cr3t"\r\n');
    await cli.waitForLine('imap> ');
    assert.ok(cli.screenLines().some((l) => l === 'imap> /login alice <hidden>'), cli.screenLines().join('\n'));
    assert.ok(!cli.screenLines().some((l) => l.includes('s3cr3t')));
    cli.type('noop\r');
    await cli.waitFor('A002 OK noop completed', 5000, mark);
    await cli.waitForLine('imap> ');
    cli.type('\x1b[A');
    await cli.waitForLine('imap> noop');
    cli.type('\x1b[A');
    // Nothing older than noop: the /login line was taken out of the history.
    await cli.waitForLine('imap> noop');
  });
});
