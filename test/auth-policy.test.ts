import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../src/errors.js';
import { authCommand } from '../src/repl/auth-command.js';
import type { MetaContext } from '../src/repl/meta-context.js';
import type { Session } from '../src/session/session.js';
import { isLoopbackAddress } from '../src/transport/loopback.js';

test('loopback addresses: 127/8, ::1 and mapped 127.x; nothing else', () => {
  for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) assert.equal(isLoopbackAddress(a), true, a);
  for (const a of ['10.0.0.1', '192.0.2.1', '::ffff:192.0.2.1', '2001:db8::1', '', undefined]) assert.equal(isLoopbackAddress(a), false, String(a));
});

/** A context on a connection that is neither TLS nor loopback; records what was asked. */
function exposedContext(confirmAnswer: boolean | 'throw', insecureAuth = false): { ctx: MetaContext; asked: string[] } {
  const asked: string[] = [];
  const session = { credentialsExposed: true, connection: { where: 'mail.example.org:25' }, adapter: { protocol: 'line' } } as unknown as Session;
  const ctx = {
    session,
    insecureAuth,
    defaultUser: 'alice',
    print: () => undefined,
    askSecret: async (prompt: string) => {
      asked.push(prompt);
      return 'pw';
    },
    confirm: async (question: string) => {
      asked.push(question);
      if (confirmAnswer === 'throw') throw new UsageError(`${question} Scripts never ask: pass --insecure-auth to allow it`);
      return confirmAnswer;
    },
  } as unknown as MetaContext;
  return { ctx, asked };
}

test('/auth over an unencrypted non-loopback connection asks first; "no" sends nothing', async () => {
  const { ctx, asked } = exposedContext(false);
  await assert.rejects(authCommand('PLAIN', ctx), /not authenticating: the connection to mail\.example\.org:25 is not encrypted/);
  assert.equal(asked.length, 1);
  assert.match(asked[0], /not encrypted: send PLAIN credentials across the network anyway\?/);
});

test('/auth in a script without --insecure-auth is refused before any password is asked', async () => {
  const { ctx, asked } = exposedContext('throw');
  await assert.rejects(authCommand('SCRAM-SHA-256 bob', ctx), /--insecure-auth/);
  assert.equal(asked.length, 1);
});

test('--insecure-auth (or "yes") goes on to the exchange', async () => {
  for (const { ctx, asked } of [exposedContext(true), exposedContext(false, true)]) {
    // The fake session speaks no SASL protocol: reaching that check means the policy let it through.
    await assert.rejects(authCommand('PLAIN bob pw', ctx), /\/auth works in SMTP/);
    assert.ok(asked.every((q) => !q.startsWith('password')));
  }
});

test('/auth usage errors: unknown mechanism, missing user', async () => {
  const { ctx } = exposedContext(true);
  await assert.rejects(authCommand('DIGEST-MD5 bob', ctx), /MECH one of PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256 XOAUTH2 OAUTHBEARER EXTERNAL/);
  await assert.rejects(authCommand('PLAIN', { ...ctx, defaultUser: undefined }), /needs a user/);
});
