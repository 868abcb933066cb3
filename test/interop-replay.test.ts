/**
 * Transcripts as evidence (SPEC §9): a session recorded against one real
 * Dovecot/Postfix is replayed against a fresh one with no differences, and
 * against servers that answer differently with the differences reported.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { realServersUnavailable, startRealServers, type RealServers } from './support/real-servers.js';
import { runQuiet } from './support/assert-sane.js';
import { smtpHandler, startScriptedServer, type ScriptedServer } from './support/scripted-server.js';

const unavailable = realServersUnavailable();
let first: RealServers | undefined;
let fresh: RealServers | undefined;
const scripted: ScriptedServer[] = [];
before(async () => {
  if (unavailable) return;
  // One after the other: two starting at once load this small machine for nothing.
  first = await startRealServers();
  fresh = await startRealServers();
});
after(async () => {
  await Promise.all([first?.stop(), fresh?.stop(), ...scripted.map((s) => s.close())]);
});

function servers(t: TestContext): [RealServers, RealServers] | undefined {
  if (unavailable) {
    t.skip(`skipped: ${unavailable}`);
    return undefined;
  }
  return [first!, fresh!];
}

const dir = mkdtempSync(join(tmpdir(), 'mailsh-replay-'));

describe('replay against real servers', () => {
  it('IMAP with SCRAM-SHA-256: recorded against Dovecot, replayed against a fresh Dovecot without differences; again, CREATE differs', async (t) => {
    const s = servers(t);
    if (!s) return;
    const [a, b] = s;
    const log = join(dir, 'imap.log');
    const lines = ['capability', '/auth SCRAM-SHA-256 alice alice-secret', 'create Evidence', 'list "" *', 'select INBOX', 'logout'];
    const rec = await runQuiet([`imap://127.0.0.1:${a.imapPort}`, '--log', log, ...lines.flatMap((l) => ['-e', l])]);
    assert.equal(rec.code, 0, rec.stdout + rec.stderr);
    assert.doesNotMatch(readFileSync(log, 'utf8'), /alice-secret|AGFsaWNl/);

    const env = { MAILSH_PASSWORD: 'alice-secret' };
    const same = await runQuiet(['replay', log, `imap://alice@127.0.0.1:${b.imapPort}`], [], env);
    assert.equal(same.code, 0, same.stdout + same.stderr);
    assert.match(same.stdout, /^C: A002 AUTHENTICATE SCRAM-SHA-256 <redacted \d+ bytes>$/m);
    assert.match(same.stdout, /^S: A003 OK Create completed/m);
    assert.match(same.stdout, /^replay: 7 replies compared, 0 differ$/m);

    // The mailbox exists now: the same transcript meets a different answer.
    const again = await runQuiet(['replay', log, `imap://alice@127.0.0.1:${b.imapPort}`], [], env);
    assert.equal(again.code, 1, again.stdout + again.stderr);
    assert.match(again.stdout, /^replay: 7 replies compared, 1 differs$/m);
    assert.match(again.stdout, /^ {2}reply 4 \(CREATE, transcript line \d+\): recorded "A003 OK Create completed[^"]*", now "A003 NO \[ALREADYEXISTS\] [^"]*"$/m);
  });

  it('POP3 jsonl transcript with USER/PASS masked: the user from -u, the password from MAILSH_PASSWORD', async (t) => {
    const s = servers(t);
    if (!s) return;
    const [a, b] = s;
    const log = join(dir, 'pop3.jsonl');
    const rec = await runQuiet([`pop3://127.0.0.1:${a.pop3Port}`, '--log', log, '--log-format', 'jsonl', '-e', 'CAPA', '-e', 'USER bob', '-e', 'PASS bob-secret', '-e', 'STAT', '-e', 'QUIT']);
    assert.equal(rec.code, 0, rec.stdout + rec.stderr);
    const noUser = await runQuiet(['replay', log, `pop3://127.0.0.1:${b.pop3Port}`], [], { MAILSH_PASSWORD: 'bob-secret' });
    assert.equal(noUser.code, 2, noUser.stdout + noUser.stderr);
    assert.match(noUser.stderr, /^mailsh: the transcript masks the user name: give it with -u USER/m);
    const noPassword = await runQuiet(['replay', log, `pop3://127.0.0.1:${b.pop3Port}`, '-u', 'bob']);
    assert.equal(noPassword.code, 2, noPassword.stdout + noPassword.stderr);
    assert.match(noPassword.stderr, /set MAILSH_PASSWORD/);
    const r = await runQuiet(['replay', log, `pop3://127.0.0.1:${b.pop3Port}`, '-u', 'bob'], [], { MAILSH_PASSWORD: 'bob-secret' });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^C: PASS <redacted 10 bytes>\nS: \+OK Logged in\.$/m);
    assert.match(r.stdout, /^replay: 6 replies compared, 0 differ$/m);
  });

  it('SMTP: the same Postfix agrees on codes; --strict reports the new queue id; a server that refuses the recipient is reported', async (t) => {
    const s = servers(t);
    if (!s) return;
    const [a] = s;
    const log = join(dir, 'smtp.log');
    const lines = ['EHLO client.test', 'MAIL FROM:<alice@mailsh.test>', 'RCPT TO:<alice@mailsh.test>', 'DATA', 'Subject: replay', '', '.starts with a dot', '.', 'QUIT'];
    const rec = await runQuiet([`smtp://127.0.0.1:${a.smtpPort}`, '--log', log], [`${lines.join('\n')}\n`]);
    assert.equal(rec.code, 0, rec.stdout + rec.stderr);
    const same = await runQuiet(['replay', log, `smtp://127.0.0.1:${a.smtpPort}`]);
    assert.equal(same.code, 0, same.stdout + same.stderr);
    assert.match(same.stdout, /^C: \.\.starts with a dot$/m, 'dot-stuffed once, as recorded');
    assert.match(same.stdout, /^replay: 7 replies compared, 0 differ$/m);
    const strict = await runQuiet(['replay', log, `smtp://127.0.0.1:${a.smtpPort}`, '--strict']);
    assert.equal(strict.code, 1, strict.stdout + strict.stderr);
    assert.match(strict.stdout, /^ {2}reply 6 \(\., transcript line \d+\): recorded "250 2\.0\.0 Ok: queued as \w+", now "250 2\.0\.0 Ok: queued as \w+"$/m);

    // /send goes through BDAT where Postfix offers CHUNKING: the chunk is replayed as data.
    const message = join(dir, 'message.eml');
    writeFileSync(message, 'Subject: chunked\n\n.a line with a dot\nbody\n');
    const sendLog = join(dir, 'send.log');
    const sent = await runQuiet([`smtp://127.0.0.1:${a.smtpPort}`, '--log', sendLog, '-e', 'EHLO client.test', '-e', 'MAIL FROM:<alice@mailsh.test>', '-e', 'RCPT TO:<bob@mailsh.test>', '-e', `/send ${message}`]);
    assert.equal(sent.code, 0, sent.stdout + sent.stderr);
    assert.match(readFileSync(sendLog, 'utf8'), / C: BDAT \d+ LAST\\r\\n$/m);
    const chunked = await runQuiet(['replay', sendLog, `smtp://127.0.0.1:${a.smtpPort}`]);
    assert.equal(chunked.code, 0, chunked.stdout + chunked.stderr);
    assert.match(chunked.stdout, /^replay: 6 replies compared, 0 differ$/m);
    await a.waitForMessage('bob', (raw) => raw.includes('Subject: chunked'), 10_000);

    const other = await startScriptedServer({
      greeting: '220 other.test ESMTP\r\n',
      onLine: smtpHandler((line, conn) => {
        if (/^RCPT/i.test(line)) conn.write('550 5.1.1 <alice@mailsh.test>: no such user here\r\n');
        else if (/^DATA$/i.test(line)) conn.write('554 5.5.1 Error: no valid recipients\r\n');
        else return false;
        return true;
      }),
    });
    scripted.push(other);
    const r = await runQuiet(['replay', log, `smtp://127.0.0.1:${other.port}`]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^replay: 7 replies compared, 3 differ$/m);
    assert.match(r.stdout, /^ {2}reply 6 \(\., transcript line \d+\): recorded "250 2\.0\.0 Ok: queued as \w+", now nothing$/m);
    assert.match(r.stdout, /^ {2}reply 5 \(DATA, transcript line \d+\): recorded "354 End data with <CR><LF>\.<CR><LF>", now "554 5\.5\.1 Error: no valid recipients"$/m);
    assert.match(r.stdout, /^ {2}reply 4 \(RCPT, transcript line \d+\): recorded "250 2\.1\.5 Ok", now "550 5\.1\.1 <alice@mailsh\.test>: no such user here"$/m);
    // DATA met a 250 here instead of 354: the message text was not sent as commands.
    assert.match(r.stdout, /^ {2}not sent: transcript lines \d+-\d+: recorded in data state, the session is in command state$/m);
    assert.doesNotMatch(r.stdout, /^C: Subject: replay$/m);
  });
});
