import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../src/errors.js';
import { leadingShellWords, shellWords } from '../src/text/shell-words.js';

test('shell words: quoting like a shell', () => {
  const table: [string, string[]][] = [
    ['alice secret', ['alice', 'secret']],
    ['  alice   secret  ', ['alice', 'secret']],
    [`carol 'say "hi"!'`, ['carol', 'say "hi"!']],
    ['carol "say \\"hi\\"!"', ['carol', 'say "hi"!']],
    ['a\\ b c', ['a b', 'c']],
    ['"" x', ['', 'x']],
    ["'back\\slash'", ['back\\slash']],
    ['"back\\\\slash"', ['back\\slash']],
    ['', []],
  ];
  for (const [text, words] of table) assert.deepEqual(shellWords(text), words, text);
});

test('shell words: an unterminated quote is a usage error', () => {
  assert.throws(() => shellWords('a "b'), UsageError);
});

test('shell words: leading words and the raw rest', () => {
  assert.deepEqual(leadingShellWords('INBOX "my msg.eml" \\Seen \\Flagged', 2), { words: ['INBOX', 'my msg.eml'], rest: '\\Seen \\Flagged' });
  assert.deepEqual(leadingShellWords('INBOX msg.eml', 2), { words: ['INBOX', 'msg.eml'], rest: '' });
});
