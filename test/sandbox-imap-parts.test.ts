/** Table tests of the sandbox IMAP server's pure parts: command parser, sequence sets, SEARCH, header fields. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ImapSyntaxError, parseImapCommand, trailingLiteral, type ImapArg } from '../src/sandbox/imap-command-parser.js';
import { parseImapDate } from '../src/sandbox/imap-format.js';
import { parseSearch } from '../src/sandbox/imap-search.js';
import type { StoredMessage } from '../src/sandbox/mail-store.js';
import { headerValue, messageBody, messageHeader } from '../src/sandbox/message-text.js';
import { findPart, parseMime } from '../src/sandbox/mime-tree.js';
import { compactSequenceSet, inSequenceSet, parseSequenceSet } from '../src/sandbox/sequence-set.js';

/** Arguments as plain data: atoms as strings, strings as {s}, lists as arrays. */
function plain(args: ImapArg[]): unknown[] {
  return args.map((a) => (a.type === 'atom' ? a.value : a.type === 'string' ? { s: a.value.toString('utf8') } : plain(a.items)));
}

test('parser: tags, names, UID commands, atoms, quoted strings, lists, sections, literals', () => {
  const cases: [string[], Buffer[], string, unknown[]][] = [
    [['a1 noop'], [], 'NOOP', []],
    [['a2 uid fetch 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)]<0.100>)'], [], 'UID FETCH', ['1:*', ['FLAGS', 'BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)]<0.100>']]],
    [['a3 LOGIN "al\\"ice" "p\\\\w"'], [], 'LOGIN', [{ s: 'al"ice' }, { s: 'p\\w' }]],
    [['a4 APPEND INBOX (\\Seen) {3}', ''], [Buffer.from('abc')], 'APPEND', ['INBOX', ['\\Seen'], { s: 'abc' }]],
    [['a5 LOGIN {5+}', ' {2}', ''], [Buffer.from('alice'), Buffer.from('pw')], 'LOGIN', [{ s: 'alice' }, { s: 'pw' }]],
    [['a6 LIST "" %'], [], 'LIST', [{ s: '' }, '%']],
    [['a7 SEARCH OR (FROM x) NOT SEEN'], [], 'SEARCH', ['OR', ['FROM', 'x'], 'NOT', 'SEEN']],
  ];
  for (const [texts, literals, name, args] of cases) {
    const cmd = parseImapCommand({ texts, literals });
    assert.equal(cmd.name, name, texts[0]);
    assert.deepEqual(plain(cmd.args), args, texts[0]);
  }
});

test('parser: malformed commands are syntax errors, with the tag once known', () => {
  const cases: [string, string | undefined, RegExp][] = [
    ['', undefined, /Empty command/],
    ['+a NOOP', undefined, /Invalid tag/],
    ['a1', 'a1', /Missing command/],
    ['a2 LOGIN "x', 'a2', /Missing closing "/],
    ['a3 FETCH 1 (FLAGS', 'a3', /Missing \)/],
    ['a4 FETCH 1 FLAGS)', 'a4', /Unexpected \)/],
    ['a5 FETCH 1 BODY[TEXT', 'a5', /Missing \]/],
    ['a6 LOGIN "a\\b"', 'a6', /Invalid escape/],
    ['a7 UID', 'a7', /Missing command after UID/],
  ];
  for (const [text, tag, message] of cases) {
    assert.throws(
      () => parseImapCommand({ texts: [text], literals: [] }),
      (err: unknown) => err instanceof ImapSyntaxError && err.tag === tag && message.test(err.message),
      text,
    );
  }
});

test('a command line ending in a literal: size, and whether the client waits for "+"', () => {
  assert.deepEqual(trailingLiteral('a APPEND INBOX {12}'), { size: 12, synchronizing: true });
  assert.deepEqual(trailingLiteral('a APPEND INBOX {12+}'), { size: 12, synchronizing: false });
  assert.equal(trailingLiteral('a NOOP {12} x'), undefined);
});

test('sequence sets: ranges either way round, * as the largest, compaction', () => {
  const set = parseSequenceSet('2:4,7,9:*')!;
  assert.deepEqual([1, 2, 3, 4, 5, 7, 8, 9, 12].filter((n) => inSequenceSet(set, n, 12)), [2, 3, 4, 7, 9, 12]);
  assert.ok(inSequenceSet(parseSequenceSet('5:2')!, 3, 10));
  assert.ok(inSequenceSet(parseSequenceSet('20:*')!, 10, 10), '20:* includes the last message even when it is below 20');
  for (const bad of ['', '0', '1:0', 'a', '1,,2', '1:2:3']) assert.equal(parseSequenceSet(bad), undefined, bad);
  assert.equal(compactSequenceSet([1, 2, 3, 5, 7, 8]), '1:3,5,7:8');
});

test('dates: IMAP date and date-time with zone', () => {
  assert.equal(parseImapDate('1-Feb-2026')?.toISOString(), '2026-02-01T00:00:00.000Z');
  assert.equal(parseImapDate(' 9-Nov-2026 21:52:25 -0800')?.toISOString(), '2026-11-10T05:52:25.000Z');
  assert.equal(parseImapDate('32-Foo-2026'), undefined);
});

const message = (raw: string, flags: string[] = [], date = '2026-11-20T10:00:00Z'): StoredMessage => ({
  uid: 7, flags: new Set(flags), internalDate: new Date(date), raw: Buffer.from(raw), recent: false, expunged: false,
});

test('SEARCH: flags, headers, body, sizes, dates, NOT/OR/groups, UID and sequence sets', () => {
  const m = message('From: Alice <alice@example.org>\r\nSubject: Quarterly report\r\nDate: Mon, 23 Nov 2026 08:00:00 +0000\r\n\r\nNumbers inside.\r\n', ['\\Seen']);
  const ctx = { seq: 3, maxSeq: 5, maxUid: 9, recent: false };
  const matches = (criteria: ImapArg[]): boolean => parseSearch(criteria).match(m, ctx);
  const atoms = (...words: string[]): ImapArg[] => words.map((value) => ({ type: 'atom', value }));
  const truths: [ImapArg[], boolean][] = [
    [atoms('ALL'), true],
    [atoms('SEEN'), true],
    [atoms('UNSEEN'), false],
    [atoms('FROM', 'alice'), true],
    [atoms('SUBJECT', 'QUARTERLY'), true],
    [atoms('BODY', 'numbers'), true],
    [atoms('BODY', 'Quarterly'), false],
    [atoms('TEXT', 'Quarterly'), true],
    [atoms('HEADER', 'date', '2026'), true],
    [atoms('LARGER', '10', 'SMALLER', '10000'), true],
    [atoms('ON', '20-Nov-2026'), true],
    [atoms('SINCE', '21-Nov-2026'), false],
    [atoms('SENTON', '23-Nov-2026'), true],
    [atoms('NOT', 'SEEN'), false],
    [atoms('OR', 'UNSEEN', 'FLAGGED'), false],
    [[{ type: 'list', items: atoms('SEEN', 'FROM', 'bob') }], false],
    [atoms('UID', '5:*'), true],
    [atoms('2:3'), true],
    [atoms('4:*'), false],
    [atoms('CHARSET', 'UTF-8', 'SEEN'), true],
  ];
  for (const [criteria, expected] of truths) assert.equal(matches(criteria), expected, JSON.stringify(criteria));
  const withReturn = (...options: string[]): ImapArg[] => [{ type: 'atom', value: 'RETURN' }, { type: 'list', items: atoms(...options) }, ...atoms('ALL')];
  assert.deepEqual(parseSearch(withReturn('MIN', 'COUNT')).returnOptions, ['MIN', 'COUNT']);
  assert.deepEqual(parseSearch(withReturn()).returnOptions, ['ALL'], 'RETURN () means ALL');
  assert.equal(parseSearch(atoms('ALL')).returnOptions, undefined);
  assert.equal(parseSearch(atoms('CHARSET', 'KOI8-R', 'ALL')).badCharset, 'KOI8-R', 'an unknown charset is NO [BADCHARSET], not BAD');
  for (const bad of [atoms('FROBNICATE'), atoms('FROM'), atoms('LARGER', 'x'), atoms('ON', 'yesterday'), atoms('OR', 'SEEN'), atoms('CHARSET')]) {
    assert.throws(() => parseSearch(bad), ImapSyntaxError, JSON.stringify(bad));
  }
});

test('header and body of a message; folded and missing fields', () => {
  const raw = Buffer.from('Subject: a\r\n folded\r\nX-A: 1\r\n\r\nbody\r\n');
  assert.equal(messageHeader(raw).toString(), 'Subject: a\r\n folded\r\nX-A: 1\r\n\r\n');
  assert.equal(messageBody(raw).toString(), 'body\r\n');
  assert.equal(headerValue(raw, 'subject'), 'a folded');
  assert.equal(headerValue(raw, 'To'), undefined);
  assert.equal(messageBody(Buffer.from('No-Body: x\r\n')).length, 0);
});

test('MIME tree: multipart parts, nested message/rfc822, part 1 of a single-part entity, digest defaults', () => {
  const raw = Buffer.from(
    [
      'Content-Type: multipart/mixed; boundary=outer', '', 'preamble', '--outer', '', 'plain part', '--outer',
      'Content-Type: message/rfc822', '', 'Subject: inner', 'Content-Type: multipart/alternative; boundary="in ner"', '',
      '--in ner', 'Content-Type: text/html', '', '<p>x</p>', '--in ner--', '--outer',
      'Content-Type: multipart/digest; boundary=d', '', '--d', '', 'Subject: digested', '', 'd body', '--d--', '--outer--', '',
    ].join('\r\n'),
  );
  const root = parseMime(raw);
  const body = (path: number[]): string | undefined => findPart(root, path)?.body.toString();
  assert.equal(root.parts?.length, 3);
  assert.equal(body([1]), 'plain part');
  assert.deepEqual(findPart(root, [1])?.params, [['charset', 'us-ascii']], 'no Content-Type: text/plain; charset=us-ascii');
  assert.equal(findPart(root, [2])?.message?.subtype, 'alternative');
  assert.equal(body([2, 1]), '<p>x</p>', 'the parts of a message/rfc822 part are those of the message inside');
  assert.equal(findPart(root, [3, 1])?.type, 'message', 'multipart/digest parts default to message/rfc822');
  assert.equal(findPart(root, [3, 1])?.message?.body.toString(), 'd body');
  assert.equal(findPart(root, [4]), undefined);
  const single = parseMime(Buffer.from('Subject: s\r\n\r\nonly\r\n'));
  assert.equal(findPart(single, [1])?.body.toString(), 'only\r\n', 'part 1 of a single-part message is its body');
  assert.equal(findPart(single, [2]), undefined);
});
