import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../src/errors.js';
import { commandLine, markSecrets } from '../src/protocol/outgoing.js';
import { apopArguments, apopTimestamp } from '../src/sasl/apop.js';
import { expandHelpers, type HelperContext } from '../src/sasl/inline-helpers.js';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** A context whose prompt answers from a list and records what it asked. */
function context(extra: Partial<HelperContext> = {}, answers: string[] = []): HelperContext & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    askSecret: async (prompt) => {
      asked.push(prompt);
      const answer = answers.shift();
      if (answer === undefined) throw new UsageError('no answer');
      return answer;
    },
    ...extra,
  };
}

test('{{plain USER PASS}} anywhere on the line; the output is a secret', async () => {
  const r = await expandHelpers('AUTH PLAIN {{plain bob bob-secret}}', context());
  assert.equal(r.text, `AUTH PLAIN ${b64('\0bob\0bob-secret')}`);
  assert.deepEqual(r.secrets, [b64('\0bob\0bob-secret')]);
});

test('arguments are split like a shell; quotes keep spaces and quotes', async () => {
  const r = await expandHelpers(`{{plain carol 'say "hi"!'}} and {{login "two words"}}`, context());
  assert.equal(r.text, `${b64('\0carol\0say "hi"!')} and ${b64('two words')}`);
  assert.equal(r.secrets.length, 2);
});

test('{{b64 TEXT}} takes the text as typed, with escapes', async () => {
  const r = await expandHelpers('{{b64 \\0user\\0pass word\\x21}}', context());
  assert.equal(r.text, b64('\0user\0pass word!'));
});

test('\\{{ is a literal {{, and a line without helpers is unchanged', async () => {
  assert.deepEqual(await expandHelpers('say \\{{b64 x}} here', context()), { text: 'say {{b64 x}} here', secrets: [] });
  assert.deepEqual(await expandHelpers('a }} b', context()), { text: 'a }} b', secrets: [] });
});

test('a missing password is asked for; the default user fills a missing user', async () => {
  const ctx = context({ defaultUser: 'alice' }, ['typed-secret', 'typed-2']);
  assert.equal((await expandHelpers('{{plain bob}}', ctx)).text, b64('\0bob\0typed-secret'));
  assert.equal((await expandHelpers('{{plain}}', ctx)).text, b64('\0alice\0typed-2'));
  assert.deepEqual(ctx.asked, ['password for bob: ', 'password for alice: ']);
});

test('{{cram-md5}} answers the last challenge (RFC 2195 example)', async () => {
  const challenge = Buffer.from('<1896.697170952@postoffice.reston.mci.net>');
  const r = await expandHelpers('{{cram-md5 tim tanstaaftanstaaf}}', context({ challenge }));
  assert.equal(r.text, b64('tim b913a602c7eda7a495b4e6e7334d3890'));
  await assert.rejects(expandHelpers('{{cram-md5 tim x}}', context()), /has sent none/);
});

test('{{xoauth2}} and {{oauthbearer}} use the connection host and port', async () => {
  const x = await expandHelpers('{{xoauth2 u@example.org tok}}', context());
  assert.equal(Buffer.from(x.text, 'base64').toString(), 'user=u@example.org\x01auth=Bearer tok\x01\x01');
  const o = await expandHelpers('{{oauthbearer u@example.org tok}}', context({ host: 'mail.example.org', port: 993 }));
  assert.equal(Buffer.from(o.text, 'base64').toString(), 'n,a=u@example.org,\x01host=mail.example.org\x01port=993\x01auth=Bearer tok\x01\x01');
});

test('{{apop}}: RFC 1939 §7 example digest from the greeting timestamp', async () => {
  const greeting = '+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>';
  assert.equal(apopTimestamp(greeting), '<1896.697170952@dbc.mtview.ca.us>');
  assert.equal(apopArguments('mrose', 'tanstaaf', '<1896.697170952@dbc.mtview.ca.us>'), 'mrose c4c9334bac560ecc979e58001b3e22fb');
  const r = await expandHelpers('APOP {{apop mrose tanstaaf}}', context({ greeting }));
  assert.equal(r.text, 'APOP mrose c4c9334bac560ecc979e58001b3e22fb');
  await assert.rejects(expandHelpers('APOP {{apop mrose x}}', context({ greeting: '+OK ready' })), /timestamp/);
});

test('unknown and unterminated helpers are usage errors', async () => {
  await assert.rejects(expandHelpers('{{md5 x}}', context()), (e: Error) => e instanceof UsageError && /unknown helper \{\{md5\}\}.*b64 plain/.test(e.message));
  await assert.rejects(expandHelpers('AUTH PLAIN {{plain a b', context()), /unterminated/);
});

test('markSecrets masks exactly the helper output, wherever the adapter put it', () => {
  const secret = b64('\0bob\0pw');
  const out = markSecrets(commandLine(`A001 AUTHENTICATE PLAIN ${secret}`), [secret]);
  assert.deepEqual(
    out.pieces.map((p) => [p.bytes.toString(), p.secret]),
    [['A001 AUTHENTICATE PLAIN ', false], [secret, true], ['\r\n', false]],
  );
});
