import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runInProcess } from './support/run-in-process.js';
import { startScriptedServer, type ScriptedServer } from './support/scripted-server.js';

const servers: ScriptedServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

// Both cases mostly wait on the clock: side by side.
describe('--timeout', { concurrency: true }, () => {
  it('--timeout: literal data that keeps streaming for longer does not time out', async () => {
    const s = await startScriptedServer({
      greeting: '* OK hi\r\n',
      onLine: async (line, conn) => {
        const tag = line.split(' ')[0];
        if (/LOGOUT/i.test(line)) return conn.end(`* BYE\r\n${tag} OK bye\r\n`);
        // A 66-byte body in six pieces 300 ms apart: 1.8 s in all, never 1 s of silence.
        conn.write('* 1 FETCH (BODY[] {66}\r\n');
        for (let i = 0; i < 6; i++) {
          await new Promise((resolve) => setTimeout(resolve, 300));
          conn.write(`part ${i} xx\r\n`);
        }
        conn.write(`)\r\n${tag} OK FETCH done\r\n`);
      },
    });
    servers.push(s);
    const r = await runInProcess([`imap://127.0.0.1:${s.port}`, '--timeout', '1', '-e', 'FETCH 1 BODY[]']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^S: part 5 xx$/m);
    assert.match(r.stdout, /^S: A001 OK FETCH done$/m);
  });

  it('--timeout: silence after part of a reply is exit 4', async () => {
    const s = await startScriptedServer({ greeting: '220 hi\r\n', onLine: (_line, conn) => conn.write('250-part\r\n') });
    servers.push(s);
    const r = await runInProcess([`smtp://127.0.0.1:${s.port}`, '--timeout', '0.5', '-e', 'NOOP']);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /no reply within 0\.5s/);
  });
});
