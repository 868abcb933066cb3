/** /explain and --explain through the CLI, and protocol detection from an SMTP greeting. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runInProcess } from './support/run-in-process.js';
import { smtpHandler, startScriptedServer, type ScriptedServer } from './support/scripted-server.js';

const servers: ScriptedServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

describe('teaching aids', () => {
  it('/explain prints locally, sends nothing; the unknown port is detected as SMTP', async () => {
    const s = await startScriptedServer({ greeting: '220 hi\r\n', onLine: smtpHandler() });
    servers.push(s);
    const r = await runInProcess([`127.0.0.1:${s.port}`, '-e', '/explain 454 4.7.1 Relay access denied', '-e', '/explain [TRYCREATE]', '-e', '/explain XYZZY']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /protocol: smtp \(from the greeting\)/);
    assert.match(r.stdout, /^454: temporary authentication failure .*$\n^4\.7\.1: persistent transient failure, security or policy status: delivery not authorized/m);
    assert.match(r.stdout, /^IMAP \[TRYCREATE\]: /m);
    assert.match(r.stdout, /^XYZZY: not a code mailsh knows/m);
    assert.equal((await s.firstClosed()).toString('latin1'), 'QUIT\r\n');
  });

  it('--explain annotates each complete reply once, after its last line', async () => {
    const s = await startScriptedServer({ greeting: '220 hi\r\n', onLine: smtpHandler() });
    servers.push(s);
    const r = await runInProcess(['-p', 'smtp', `127.0.0.1:${s.port}`, '--explain', '-e', 'EHLO me']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^S: 220 hi   \[220: service ready \(the greeting\)\]$/m);
    const ehlo = r.stdout.split('\n').filter((l) => l.startsWith('S: 250'));
    assert.ok(ehlo.length >= 1);
    assert.deepEqual(ehlo.map((l) => l.includes('[250: requested mail action okay, completed]')), ehlo.map((_l, i) => i === ehlo.length - 1));
  });
});
