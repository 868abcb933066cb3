import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, it } from 'node:test';
import { getTestCerts } from './support/certs.js';
import { CLI } from './support/run-cli.js';
import { smtpHandler, startScriptedServer, type ScriptedServer } from './support/scripted-server.js';

const run = promisify(execFile);
const PACKAGE = fileURLToPath(new URL('../../package.json', import.meta.url));
/** The installed command (package.json bin): the bundle `npm run build` makes. */
const BIN = fileURLToPath(new URL(`../../${(JSON.parse(readFileSync(PACKAGE, 'utf8')) as { bin: { mailsh: string } }).bin.mailsh}`, import.meta.url));

const servers: ScriptedServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

const stale = !existsSync(BIN) ? 'the bundle is not built (npm run build)' : statSync(BIN).mtimeMs < statSync(CLI).mtimeMs ? 'the bundle is older than the compiled sources (npm run build)' : undefined;

it('the bundled command runs a TLS session and loads the lazy parts', { skip: stale && `skipped: ${stale}` }, async () => {
  const certs = await getTestCerts();
  const s = await startScriptedServer({ greeting: '220 bundle hi\r\n', onLine: smtpHandler(), tlsCert: certs.good });
  servers.push(s);
  // Run through its #! line, as a shell would.
  const r = await run(BIN, [`smtps://127.0.0.1:${s.port}`, '--ca', certs.caCert, '-e', 'EHLO me']);
  assert.match(r.stdout, /^S: 220 bundle hi$/m);
  assert.match(r.stdout, /^S: 250 AUTH PLAIN$/m);
  assert.equal((await s.firstClosed()).toString('latin1'), 'EHLO me\r\nQUIT\r\n');
  // `show` is loaded on demand (a dynamic import inside the bundle).
  await assert.rejects(run(BIN, ['show', '/nonexistent/mailsh.log']), (err: { code: number; stderr: string }) => err.code === 2 && /^mailsh: /.test(err.stderr));
});
