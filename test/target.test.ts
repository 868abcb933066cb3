import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTarget, targetUrl } from '../src/cli/target.js';
import { UsageError } from '../src/errors.js';

const cases: [string[], Partial<ReturnType<typeof parseTarget>>][] = [
  [['smtp://mail.example.org'], { host: 'mail.example.org', port: 25, protocol: 'smtp', tls: 'none' }],
  [['smtps://mail.example.org'], { port: 465, protocol: 'smtp', tls: 'implicit' }],
  [['submission://mx:2587'], { host: 'mx', port: 2587, protocol: 'smtp', tls: 'starttls' }],
  [['lmtp://127.0.0.1'], { port: 24, protocol: 'lmtp' }],
  [['imap://h'], { port: 143, protocol: 'imap', tls: 'none' }],
  [['imaps://alice@h'], { port: 993, protocol: 'imap', tls: 'implicit', user: 'alice' }],
  [['imaps://alice%40example.org@h:1993'], { port: 1993, user: 'alice@example.org' }],
  [['pop3://h'], { port: 110, protocol: 'pop3' }],
  [['pop3s://h'], { port: 995, protocol: 'pop3', tls: 'implicit' }],
  [['sieve://h'], { port: 4190, protocol: 'sieve', tls: 'starttls' }],
  [['tcp://h:7'], { port: 7, protocol: 'line', tls: 'none' }],
  [['tls://[::1]:8443'], { host: '::1', port: 8443, protocol: 'line', tls: 'implicit' }],
  [['SMTP://H'], { host: 'H', protocol: 'smtp' }],
  [['h:25'], { port: 25, protocol: 'smtp', tls: 'none' }],
  [['h:465'], { protocol: 'smtp', tls: 'implicit' }],
  [['h:993'], { protocol: 'imap', tls: 'implicit' }],
  [['h:995'], { protocol: 'pop3', tls: 'implicit' }],
  [['h:4190'], { protocol: 'sieve', tls: 'none' }],
  [['h:24'], { protocol: 'lmtp' }],
  [['h:2525'], { port: 2525, protocol: 'auto', tls: 'none' }],
  [['h', '143'], { host: 'h', port: 143, protocol: 'imap' }],
  [['[::1]:25'], { host: '::1', port: 25, protocol: 'smtp' }],
  [['::1', '110'], { host: '::1', port: 110, protocol: 'pop3' }],
];

test('targets: URLs, host:port and "host port"', () => {
  for (const [args, expected] of cases) {
    const t = parseTarget(args);
    for (const [k, v] of Object.entries(expected)) assert.equal(t[k as keyof typeof t], v, `${args.join(' ')}: ${k}`);
  }
});

test('targets: bad input is a usage error with a reason', () => {
  const bad: [string[], RegExp][] = [
    [[], /no target/],
    [['host'], /has no port/],
    [['gopher://h'], /unknown scheme/],
    [['tcp://h'], /needs a port/],
    [['h:0'], /not a port/],
    [['h:99999'], /not a port/],
    [['h', 'x'], /not a port/],
    [['a', 'b', 'c'], /too many/],
    [['smtp://h', 'extra'], /unexpected argument/],
    [['bad host:25'], /not a host/],
  ];
  for (const [args, re] of bad) {
    assert.throws(() => parseTarget(args), (err: unknown) => err instanceof UsageError && re.test(err.message), args.join(' '));
  }
});

test('targets: canonical URL', () => {
  assert.equal(targetUrl(parseTarget(['h:993'])), 'imaps://h:993');
  assert.equal(targetUrl(parseTarget(['submission://u@h'])), 'submission://u@h:587');
  assert.equal(targetUrl(parseTarget(['[::1]:2525'])), 'tcp://[::1]:2525');
  assert.equal(targetUrl(parseTarget(['smtps://h'])), 'smtps://h:465');
});

test('targets: a password in the URL is refused, and never quoted back (issue 21)', () => {
  for (const url of ['imap://alice:PW@host', 'imaps://alice:p@ss/w0rd@host:993', 'smtp://:PW@host']) {
    assert.throws(
      () => parseTarget([url]),
      (err: unknown) => err instanceof UsageError && /password in the URL is not accepted/.test(err.message) && !/PW|ss\/w0rd/.test(err.message),
      url,
    );
  }
  // A user name alone is still the default user; an encoded colon belongs to it.
  assert.equal(parseTarget(['imap://a%3Ab@host']).user, 'a:b');
});
