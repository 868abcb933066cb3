/**
 * Error messages quote a line the way the echo masks it (issue 21 item 3):
 * a script's `(line N: …)` never holds a credential in clear.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runInProcess } from './support/run-in-process.js';
import { smtpHandler, startScriptedServer, type ScriptedServer } from './support/scripted-server.js';
import { PLAIN } from './support/credential-forms.js';

const servers: ScriptedServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

test('a meta command that fails is quoted with its password hidden', async () => {
  const s = await startScriptedServer({ greeting: '220 mx ESMTP\r\n', onLine: smtpHandler() });
  servers.push(s);
  const r = await runInProcess([`smtp://127.0.0.1:${s.port}`], ['/login alice s3cret\n']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /\(line 1: \/login alice <hidden>\)/);
  assert.ok(!(r.stdout + r.stderr).includes('s3cret'), r.stderr);
});

test('a server that hangs up before a credential line is quoted masked', async () => {
  // EHLO gets no answer; the server closes while AUTH waits for its turn.
  const s = await startScriptedServer({
    greeting: '220 mx ESMTP\r\n',
    onLine: (line, conn) => {
      if (/^EHLO/i.test(line)) setTimeout(() => conn.end(), 200);
    },
  });
  servers.push(s);
  for (const auth of [`AUTH PLAIN ${PLAIN}`, ` auth\tplain ${PLAIN}`, `AUTH PLAIN {{plain alice s3cret}}`]) {
    const r = await runInProcess([`smtp://127.0.0.1:${s.port}`], [`EHLO x\n${auth}\n`]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /\(line 2: .*(redacted|hidden).*\)/, r.stderr);
    for (const secret of [PLAIN, 's3cret']) assert.ok(!(r.stdout + r.stderr).includes(secret), r.stderr);
  }
});

test('a password in the URL: exit 2 before connecting, the password nowhere in the output', async () => {
  const r = await runInProcess(['imap://alice:Sup3rSecret@127.0.0.1:1']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /imap:\/\/alice:<hidden>@…: a password in the URL is not accepted/);
  assert.ok(!(r.stdout + r.stderr).includes('Sup3rSecret'));
});

test('/log BADPATH keeps the running transcript and says so (issue 21)', async () => {
  const s = await startScriptedServer({ greeting: '220 mx ESMTP\r\n', onLine: smtpHandler() });
  servers.push(s);
  const dir = mkdtempSync(join(tmpdir(), 'mailsh-log-'));
  const log = join(dir, 'first.log');
  const r = await runInProcess([`smtp://127.0.0.1:${s.port}`, '--log', log], ['NOOP\n/log /nonexistent/dir/x.log\n']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /cannot open log file \/nonexistent\/dir\/x\.log: ENOENT; the transcript goes on in .*first\.log/);
  // The QUIT after the failed /log is still recorded.
  assert.match(readFileSync(log, 'utf8'), /C: QUIT\\r\\n/);
});
