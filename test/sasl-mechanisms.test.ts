import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthError } from '../src/errors.js';
import { cramMd5Mechanism } from '../src/sasl/cram-md5.js';
import { externalMechanism } from '../src/sasl/external.js';
import { loginMechanism } from '../src/sasl/login.js';
import { oauthBearerMechanism, xoauth2Mechanism } from '../src/sasl/oauth.js';
import { plainMechanism } from '../src/sasl/plain.js';
import { MAX_SCRAM_ITERATIONS, scramMechanism } from '../src/sasl/scram.js';

const text = (b: Buffer | undefined): string | undefined => b?.toString('utf8');

test('PLAIN: RFC 4616 §4 examples', () => {
  assert.equal(text(plainMechanism({ user: 'tim', secret: 'tanstaaftanstaaf' }).start()), '\0tim\0tanstaaftanstaaf');
  assert.equal(text(plainMechanism({ user: 'Kurt', secret: 'xipj3plmq', authzid: 'Ursel' }).start()), 'Ursel\0Kurt\0xipj3plmq');
  assert.throws(() => plainMechanism({ user: 'a', secret: 'b' }).next(Buffer.from('x')), AuthError);
});

test('LOGIN: user name, then password, whatever the prompts say', () => {
  const m = loginMechanism({ user: 'alice', secret: 'pw' });
  assert.equal(m.start(), undefined);
  assert.equal(text(m.next(Buffer.from('Username:'))), 'alice');
  assert.equal(text(m.next(Buffer.from('Password:'))), 'pw');
  assert.throws(() => m.next(Buffer.from('More:')), AuthError);
});

test('CRAM-MD5: RFC 2195 §2 example', () => {
  const m = cramMd5Mechanism({ user: 'tim', secret: 'tanstaaftanstaaf' });
  assert.equal(m.start(), undefined);
  const challenge = Buffer.from('PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+', 'base64');
  assert.equal(challenge.toString(), '<1896.697170952@postoffice.reston.mci.net>');
  const response = m.next(challenge);
  assert.equal(text(response), 'tim b913a602c7eda7a495b4e6e7334d3890');
  assert.equal(response.toString('base64'), 'dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw');
});

test('SCRAM-SHA-1: RFC 5802 §5 example, server signature verified', () => {
  const m = scramMechanism('sha1', { user: 'user', secret: 'pencil' }, 'fyko+d2lbbFgONRv9qkxdawL');
  assert.equal(text(m.start()), 'n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL');
  const final = m.next(Buffer.from('r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096'));
  assert.equal(text(final), 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=');
  assert.throws(() => m.succeeded(), /without proving/);
  assert.equal(m.next(Buffer.from('v=rmF9pqV8S7suAoZWja4dJRkFsKQ=')).length, 0);
  m.succeeded();
});

const SHA256_FIRST = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';

test('SCRAM-SHA-256: RFC 7677 §3 example, server signature verified', () => {
  const m = scramMechanism('sha256', { user: 'user', secret: 'pencil' }, 'rOprNGfwEbeRWgbNEkqO');
  assert.equal(text(m.start()), 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
  assert.equal(
    text(m.next(Buffer.from(SHA256_FIRST))),
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  );
  m.next(Buffer.from('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='));
  m.succeeded();
});

test('SCRAM: a tampered server signature is an error', () => {
  const m = scramMechanism('sha256', { user: 'user', secret: 'pencil' }, 'rOprNGfwEbeRWgbNEkqO');
  m.start();
  m.next(Buffer.from(SHA256_FIRST));
  assert.throws(() => m.next(Buffer.from('v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=')), /wrong server signature/);
  assert.throws(() => m.succeeded(), AuthError);
});

test('SCRAM: hostile or broken server-first messages are refused', () => {
  const first = (challenge: string): (() => void) => () => {
    const m = scramMechanism('sha256', { user: 'user', secret: 'pencil' }, 'abc');
    m.start();
    m.next(Buffer.from(challenge));
  };
  assert.throws(first('r=xyzdef,s=QSXCR+Q6sek8bf92,i=4096'), /nonce/);
  assert.throws(first('r=abc,s=QSXCR+Q6sek8bf92,i=4096'), /nonce/);
  assert.throws(first('r=abcdef,s=QSXCR+Q6sek8bf92'), /malformed/);
  assert.throws(first(`r=abcdef,s=QSXCR+Q6sek8bf92,i=${MAX_SCRAM_ITERATIONS + 1}`), /iterations/);
  assert.throws(first('e=unknown-user'), /refused: unknown-user/);
});

test('SCRAM: user names escape = and ,; an authzid goes in the GS2 header', () => {
  const m = scramMechanism('sha1', { user: 'a=b,c', secret: 'x', authzid: 'admin' }, 'N');
  assert.equal(text(m.start()), 'n,a=admin,n=a=3Db=2Cc,r=N');
});

test('XOAUTH2: Google example; an error challenge gets an empty response', () => {
  const m = xoauth2Mechanism({ user: 'someuser@example.com', secret: 'ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg' });
  assert.equal(
    m.start()!.toString('base64'),
    'dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==',
  );
  assert.equal(m.next(Buffer.from('{"status":"401"}')).length, 0);
});

test('OAUTHBEARER: RFC 7628 §4.1 example; an error challenge is answered with ^A', () => {
  const m = oauthBearerMechanism({ user: 'user@example.com', secret: 'vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==', host: 'server.example.com', port: 143 });
  assert.equal(
    text(m.start()),
    'n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01',
  );
  assert.deepEqual([...m.next(Buffer.from('{"status":"invalid_token"}'))], [1]);
  assert.throws(() => m.next(Buffer.from('again')), AuthError);
});

test('EXTERNAL: the authorization identity, usually empty', () => {
  assert.equal(externalMechanism({}).start()!.length, 0);
  assert.equal(text(externalMechanism({ authzid: 'alice' }).start()), 'alice');
});
