/** --pipeline: which commands go out without waiting (RFC 2920, RFC 9051 §5.5, RFC 2449 §6.6). */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ImapAdapter } from '../src/protocol/imap.js';
import { Pop3Adapter } from '../src/protocol/pop3.js';
import { SmtpAdapter } from '../src/protocol/smtp.js';
import { feedLines } from './support/adapter-feed.js';
import { startScriptedServer, type ScriptedServer } from './support/scripted-server.js';
import { runInProcess } from './support/run-in-process.js';

test('SMTP: MAIL, RCPT and RSET join a group once PIPELINING is offered; EHLO, DATA end it', () => {
  const a = new SmtpAdapter();
  feedLines(a, '220 hi\r\n');
  a.prepare('EHLO me');
  assert.equal(a.mayPipeline(), false, 'EHLO ends a group');
  feedLines(a, '250-hi\r\n250 SIZE 10\r\n');
  a.prepare('MAIL FROM:<a@b>');
  assert.equal(a.mayPipeline(), false, 'no PIPELINING offered');
  feedLines(a, '250 ok\r\n');
  a.prepare('EHLO me');
  feedLines(a, '250-hi\r\n250 PIPELINING\r\n');
  a.prepare('MAIL FROM:<a@b>');
  assert.equal(a.mayPipeline(), true);
  a.prepare('RCPT TO:<c@d>');
  assert.equal(a.mayPipeline(), true, 'DATA may close the group');
  a.prepare('DATA');
  assert.equal(a.mayPipeline(), false, 'nothing after DATA before its reply');
});

test('IMAP: independent commands go out at once; state changes and sequence numbers wait', () => {
  const a = new ImapAdapter();
  feedLines(a, '* OK hi\r\n');
  a.prepare('login alice secret');
  assert.equal(a.mayPipeline('list "" *'), false, 'nothing while LOGIN is in flight');
  feedLines(a, 'A001 OK done\r\n');
  a.prepare('status INBOX (MESSAGES)');
  assert.equal(a.mayPipeline('list "" *'), true);
  assert.equal(a.mayPipeline('select INBOX'), false, 'SELECT waits for what is in flight');
  feedLines(a, 'A002 OK done\r\n');
  a.prepare('select INBOX');
  assert.equal(a.mayPipeline('fetch 1 flags'), false, 'nothing while SELECT is in flight');
  feedLines(a, 'A003 OK [READ-WRITE] done\r\n');
  a.prepare('fetch 1 flags');
  assert.equal(a.mayPipeline('fetch 2 flags'), true, 'FETCH during FETCH: no EXPUNGE can come');
  a.prepare('uid fetch 5 flags');
  assert.equal(a.mayPipeline('uid search all'), true);
  assert.equal(a.mayPipeline('store 1 +flags (\\Seen)'), false, 'sequence numbers wait while UID FETCH may bring EXPUNGE');
  assert.equal(a.mayPipeline('x1 noop'), true, 'a typed tag is fine');
});

test('POP3: only with PIPELINING in CAPA, never after STLS, AUTH or QUIT', () => {
  const a = new Pop3Adapter();
  feedLines(a, '+OK hi\r\n');
  a.prepare('CAPA');
  assert.equal(a.mayPipeline(), false);
  feedLines(a, '+OK\r\nUSER\r\nPIPELINING\r\n.\r\n');
  a.prepare('USER alice');
  assert.equal(a.mayPipeline(), true);
  a.prepare('PASS secret');
  a.prepare('STAT');
  assert.equal(a.mayPipeline(), true);
  a.prepare('QUIT');
  assert.equal(a.mayPipeline(), false);
});

const servers: ScriptedServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

/**
 * An SMTP server that holds the replies to MAIL and RCPT until DATA arrives:
 * a client that waits for each reply stalls on it until its timeout.
 */
async function holdingServer(): Promise<ScriptedServer> {
  let held: string[] = [];
  let inData = false;
  const server = await startScriptedServer({
    greeting: '220 pipe.test ESMTP\r\n',
    onLine: (line, conn) => {
      if (inData) {
        if (line !== '.') return;
        inData = false;
        conn.write('250 2.0.0 queued\r\n');
        return;
      }
      const verb = line.split(/[ :]/)[0].toUpperCase();
      if (verb === 'EHLO') conn.write('250-pipe.test\r\n250 PIPELINING\r\n');
      else if (verb === 'MAIL' || verb === 'RCPT') held.push(verb === 'MAIL' ? '250 2.1.0 sender ok\r\n' : `250 2.1.5 ${line.slice(8)} ok\r\n`);
      else if (verb === 'DATA') {
        conn.write(`${held.join('')}354 go ahead\r\n`);
        held = [];
        inData = true;
      } else if (verb === 'QUIT') conn.end('221 bye\r\n');
    },
  });
  servers.push(server);
  return server;
}

test('--pipeline: the group goes out before any reply (a server that answers only after DATA)', async () => {
  const server = await holdingServer();
  const lines = ['EHLO me', 'MAIL FROM:<a@pipe.test>', 'RCPT TO:<b@pipe.test>', 'RCPT TO:<c@pipe.test>', 'DATA', 'Subject: x', '', 'body', '.', '/expect 250', 'QUIT'];
  const r = await runInProcess([`smtp://127.0.0.1:${server.port}`, '--pipeline', '--timeout', '20'], [`${lines.join('\n')}\n`]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^C: RCPT TO:<c@pipe\.test>\nC: DATA\nS: 250 2\.1\.0 sender ok\nS: 250 2\.1\.5 <b@pipe\.test> ok\nS: 250 2\.1\.5 <c@pipe\.test> ok\nS: 354 go ahead\nC: Subject: x$/m);
  assert.match(r.stdout, /^C: \.\nS: 250 2\.0\.0 queued\nC: QUIT\nS: 221 bye$/m);
});

test('--pipeline: /send ends the group with its DATA (RFC 2920 §3.1), then sends the file after the 354', async () => {
  const server = await holdingServer();
  const file = join(mkdtempSync(join(tmpdir(), 'mailsh-pipe-')), 'msg.eml');
  writeFileSync(file, 'Subject: x\n\n.dot\nbody\n');
  const lines = ['EHLO me', 'MAIL FROM:<a@pipe.test>', 'RCPT TO:<b@pipe.test>', `/send ${file}`, '/expect 250', 'QUIT'];
  const r = await runInProcess([`smtp://127.0.0.1:${server.port}`, '--pipeline', '--timeout', '5', ...lines.flatMap((l) => ['-e', l])]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^C: RCPT TO:<b@pipe\.test>\nC: DATA\nS: 250 2\.1\.0 sender ok\nS: 250 2\.1\.5 <b@pipe\.test> ok\nS: 354 go ahead\nS: 250 2\.0\.0 queued\nC: QUIT$/m);
  const wire = (await server.firstClosed()).toString('latin1');
  assert.equal(wire, 'EHLO me\r\nMAIL FROM:<a@pipe.test>\r\nRCPT TO:<b@pipe.test>\r\nDATA\r\nSubject: x\r\n\r\n..dot\r\nbody\r\n.\r\nQUIT\r\n');
});

test('without --pipeline, /send waits for the replies before DATA', async () => {
  const server = await holdingServer();
  const file = join(mkdtempSync(join(tmpdir(), 'mailsh-pipe-')), 'msg.eml');
  writeFileSync(file, 'Subject: x\n\nbody\n');
  const r = await runInProcess([`smtp://127.0.0.1:${server.port}`, '--timeout', '1', '-e', 'EHLO me', '-e', 'MAIL FROM:<a@pipe.test>', '-e', `/send ${file}`]);
  // The held reply to MAIL never comes: the script times out before DATA.
  assert.equal(r.code, 4, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout, /C: DATA/);
});
