/**
 * IMAP at the terminal (SPEC §3, §5, §8): the prompt shows the selected
 * mailbox and IDLE, typing goes on while untagged data arrives during IDLE,
 * and /login's hidden prompt echoes nothing while server lines keep flowing.
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

/** A small scripted IMAP server: enough for LOGIN, SELECT, IDLE and LOGOUT. */
function imapHandler(): (line: string, conn: ScriptedConn) => void {
  let idleTag: string | undefined;
  return (line, conn) => {
    if (idleTag) {
      if (line.toUpperCase() === 'DONE') conn.write(`${idleTag} OK IDLE terminated\r\n`);
      idleTag = undefined;
      return;
    }
    const [tag, command = ''] = line.split(' ');
    switch (command.toUpperCase()) {
      case 'SELECT':
        conn.write(`* 2 EXISTS\r\n${tag} OK [READ-WRITE] SELECT completed\r\n`);
        break;
      case 'IDLE':
        idleTag = tag;
        conn.write('+ idling\r\n');
        break;
      case 'LOGOUT':
        conn.end(`* BYE bye\r\n${tag} OK LOGOUT completed\r\n`);
        break;
      default:
        conn.write(`${tag} OK ${command} completed\r\n`);
    }
  };
}

const open = (): ReturnType<typeof openImapPty> => openImapPty(servers, '* OK [CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN] fake ready\r\n', imapHandler());

const wire = (server: ScriptedServer): string => server.conns[0].received().toString('latin1');

describe('IMAP in a pseudo-terminal', () => {
  it('the prompt shows the selected mailbox', async () => {
    const { server, cli } = await open();
    cli.type('select INBOX\r');
    await cli.waitForLine('imap INBOX> ');
    assert.equal(wire(server), 'A001 select INBOX\r\n');
    assert.match(cli.screen(), /C: A001 select INBOX/);
  });

  it('typing during IDLE: untagged data shows above the half-typed DONE, which is sent untagged', async () => {
    const { server, cli } = await open();
    cli.type('select INBOX\r');
    await cli.waitForLine('imap INBOX> ');
    cli.type('idle\r');
    await cli.waitForLine('imap idle> ');
    await cli.typeByKey('do');
    const mark = cli.mark();
    server.conns[0].write('* 3 EXISTS\r\n');
    await cli.waitFor('S: * 3 EXISTS', 5000, mark);
    await cli.waitForLine('imap idle> do');
    cli.type('ne\r');
    await cli.waitFor('A002 OK IDLE terminated', 5000, mark);
    await cli.waitForLine('imap INBOX> ');
    assert.equal(wire(server), 'A001 select INBOX\r\nA002 idle\r\ndone\r\n');
  });

  it('/login asks for the password hidden; server lines during the prompt are shown; nothing echoes', async () => {
    const { server, cli } = await open();
    const mark = cli.mark();
    cli.type('/login alice\r');
    await answerHiddenWhileServerTalks(cli, server, 'password for alice: ', ['s3cr', '3t'], mark);
    await cli.waitFor('A001 OK LOGIN completed', 5000, mark);
    assert.equal(wire(server), 'A001 LOGIN "alice" "s3cr3t"\r\n');
    assert.doesNotMatch(cli.raw(), /s3cr|3t"/);
    assert.match(cli.screen(mark), /C: A001 LOGIN "alice" <redacted 8 bytes>/);
    // Back at the normal prompt, typing echoes again.
    await cli.waitForLine('imap> ');
    await cli.typeByKey('noop');
  });

  it('Ctrl-C cancels the hidden prompt and sends nothing', async () => {
    const { server, cli } = await open();
    const mark = cli.mark();
    cli.type('/login alice\r');
    await cli.waitFor('password for alice: ', 5000, mark);
    cli.type('abc\x03');
    await cli.waitFor('cancelled: nothing was sent', 5000, mark);
    await cli.waitForLine('imap> ');
    cli.type('noop\r');
    await cli.waitFor('A001 OK noop completed', 5000, mark);
    assert.equal(wire(server), 'A001 noop\r\n');
  });
});
