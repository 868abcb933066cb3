import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canSendLiteralAtOnce, imapString, literalMarker } from '../src/protocol/imap-string.js';

test('imap strings: quoted with escapes, literal when it must be', () => {
  assert.deepEqual(imapString('alice'), { quoted: '"alice"' });
  assert.deepEqual(imapString('say "hi"!'), { quoted: '"say \\"hi\\"!"' });
  assert.deepEqual(imapString('back\\slash'), { quoted: '"back\\\\slash"' });
  assert.deepEqual(imapString(''), { quoted: '""' });
  assert.deepEqual(imapString('grüße'), { literal: Buffer.from('grüße') });
  assert.deepEqual(imapString('a\r\nb'), { literal: Buffer.from('a\r\nb') });
  assert.deepEqual(imapString('nul\0'), { literal: Buffer.from('nul\0') });
});

test('imap strings: literal markers follow LITERAL+ / LITERAL-', () => {
  assert.equal(literalMarker(12, false), '{12}');
  assert.equal(literalMarker(12, true), '{12+}');
  assert.equal(canSendLiteralAtOnce(new Map([['LITERAL+', []]]), 10 ** 9), true);
  assert.equal(canSendLiteralAtOnce(new Map([['LITERAL-', []]]), 4096), true);
  assert.equal(canSendLiteralAtOnce(new Map([['LITERAL-', []]]), 4097), false);
  assert.equal(canSendLiteralAtOnce(new Map(), 1), false);
});
