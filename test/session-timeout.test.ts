import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { runCli } from './support/run-cli.js';
import { startScriptedServer, type ScriptedServer } from './support/scripted-server.js';

const servers: ScriptedServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

it('--timeout counts silence: a reply that keeps streaming for longer does not time out', async () => {
  const s = await startScriptedServer({
    greeting: '220 hi\r\n',
    onLine: async (line, conn) => {
      if (line === 'QUIT') return conn.end('221 bye\r\n');
      // Six reply lines 300 ms apart: 1.8 s in all, never 1 s of silence.
      for (let i = 0; i < 6; i++) {
        conn.write(`250-part ${i}\r\n`);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      conn.write('250 done\r\n');
    },
  });
  servers.push(s);
  const r = await runCli([`smtp://127.0.0.1:${s.port}`, '--timeout', '1', '-e', 'NOOP']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^S: 250 done$/m);
});

it('--timeout: silence after part of a reply is exit 4', async () => {
  const s = await startScriptedServer({ greeting: '220 hi\r\n', onLine: (_line, conn) => conn.write('250-part\r\n') });
  servers.push(s);
  const r = await runCli([`smtp://127.0.0.1:${s.port}`, '--timeout', '0.5', '-e', 'NOOP']);
  assert.equal(r.code, 4, r.stderr);
  assert.match(r.stderr, /no reply within 0\.5s/);
});
