import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TagAllocator, tagLine } from '../src/protocol/imap-tagging.js';

test('imap tagging: commands get fresh tags, user tags are kept', () => {
  const tags = new TagAllocator();
  const table: [string, string | undefined, boolean | undefined, string | undefined][] = [
    ['a login user pass', 'a', false, 'LOGIN'],
    ['b LIST "" "*"', 'b', false, 'LIST'],
    ['c SELECT INBOX', 'c', false, 'SELECT'],
    ['login alice secret', 'A001', true, 'LOGIN'],
    ['select INBOX', 'A002', true, 'SELECT'],
    ['UID FETCH 1:* FLAGS', 'A003', true, 'UID FETCH'],
    ['x1 uid store 1 +FLAGS (\\Seen)', 'x1', false, 'UID STORE'],
    ['XLIST "" *', 'A004', true, 'XLIST'],
    ['t9 X-CUSTOM-THING', 't9', false, 'X-CUSTOM-THING'],
    ['DONE', undefined, undefined, undefined],
    ['hello world', undefined, undefined, undefined],
  ];
  for (const [line, tag, generated, command] of table) {
    const t = tagLine(line, tags, true);
    assert.equal(t?.tag, tag, line);
    assert.equal(t?.generated, generated, line);
    assert.equal(t?.command, command, line);
  }
});

test('imap tagging: never reuses a tag the user typed', () => {
  const tags = new TagAllocator();
  tagLine('A001 NOOP', tags, true);
  tagLine('a002 NOOP', tags, true);
  assert.equal(tagLine('noop', tags, true)?.tag, 'A003');
});

test('imap tagging: with tagging off only typed tags are tracked', () => {
  const tags = new TagAllocator();
  assert.equal(tagLine('NOOP', tags, false), undefined);
  assert.equal(tagLine('z NOOP', tags, false)?.tag, 'z');
});
