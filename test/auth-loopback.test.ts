/** /auth against scripted servers: what real servers never do (a forged SCRAM signature, OAuth errors). */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startScriptedServer, type ScriptedServer } from './support/scripted-server.js';
import { runInProcess } from './support/run-in-process.js';

const servers: ScriptedServer[] = [];
after(async () => Promise.all(servers.map((s) => s.close())));

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

/** An IMAP server whose SCRAM-SHA-256 exchange ends with `serverFinal` (it cannot know the password). */
async function scramImap(serverFinal: string): Promise<ScriptedServer> {
  let tag = '';
  let step = 0;
  const server = await startScriptedServer({
    greeting: '* OK [CAPABILITY IMAP4rev2 AUTH=SCRAM-SHA-256] ready\r\n',
    onLine: (line, conn) => {
      const auth = /^(\S+) AUTHENTICATE SCRAM-SHA-256$/.exec(line);
      if (auth) {
        [tag, step] = [auth[1], 1];
        conn.write('+ \r\n');
      } else if (step === 1) {
        const nonce = /r=([^,]+)/.exec(unb64(line))![1];
        step = 2;
        conn.write(`+ ${b64(`r=${nonce}server,s=${b64('salt')},i=4096`)}\r\n`);
      } else if (step === 2) {
        step = 3;
        conn.write(`+ ${b64(serverFinal)}\r\n`);
      } else if (step === 3 && line === '*') {
        step = 0;
        conn.write(`${tag} BAD AUTHENTICATE cancelled\r\n`);
      } else {
        const t = line.split(' ')[0];
        conn.write(/LOGOUT/i.test(line) ? `* BYE\r\n${t} OK bye\r\n` : `${t} OK done\r\n`);
      }
    },
  });
  servers.push(server);
  return server;
}

test('SCRAM: a forged server signature is an error, the exchange is cancelled, exit 1', async () => {
  const server = await scramImap(`v=${b64('forged-signature-forged-signature')}`);
  const r = await runInProcess([`imap://127.0.0.1:${server.port}`, '-e', '/auth SCRAM-SHA-256 alice pencil', '-e', 'noop']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /SCRAM-SHA-256: wrong server signature: the server does not know the password/);
  assert.match(r.stdout, /^C: \*$/m, 'the exchange is cancelled on the wire');
  assert.doesNotMatch(r.stdout, /noop/, 'the script stops there');
  assert.doesNotMatch(r.stderr, /authenticated/);
});

test('SCRAM: a server error in the final message is reported', async () => {
  const server = await scramImap('e=invalid-proof');
  const r = await runInProcess([`imap://127.0.0.1:${server.port}`, '-e', '/auth SCRAM-SHA-256 alice pencil']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /the server refused: invalid-proof/);
});

test('OAUTHBEARER over SMTP: the JSON error challenge is shown decoded and acknowledged with ^A', async () => {
  const error = '{"status":"invalid_token","scope":"mail"}';
  let challenged = false;
  const server = await startScriptedServer({
    greeting: '220 test ESMTP\r\n',
    onLine: (line, conn) => {
      if (/^EHLO/.test(line)) conn.write('250-test\r\n250 AUTH OAUTHBEARER\r\n');
      else if (/^AUTH OAUTHBEARER \S+$/.test(line)) {
        challenged = true;
        conn.write(`334 ${b64(error)}\r\n`);
      } else if (challenged && line === 'AQ==') conn.write('535 5.7.8 Authentication credentials invalid\r\n');
      else if (/^QUIT/.test(line)) conn.end('221 bye\r\n');
      else conn.write('500 unexpected\r\n');
    },
  });
  servers.push(server);
  const r = await runInProcess([`smtp://127.0.0.1:${server.port}`, '-e', '/auth OAUTHBEARER alice@example.org not-a-token']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.ok(r.stdout.includes(`[${error}]`), r.stdout);
  assert.match(r.stdout, /^C: AUTH OAUTHBEARER <redacted \d+ bytes>$/m);
  assert.match(r.stderr, /OAUTHBEARER authentication failed: 5\.7\.8 Authentication credentials invalid/);
  assert.doesNotMatch(r.stdout, /not-a-token/);
});
