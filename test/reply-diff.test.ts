import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Reply } from '../src/protocol/adapter.js';
import { compareReplies } from '../src/protocol/reply-diff.js';

const r = (command: string, status: string, text = 'x', cls: Reply['cls'] = status.startsWith('2') ? 'ok' : 'fail'): Reply => ({ command, status, cls, lines: [text] });

test('reply diff: codes only by default, text with strict; SASL challenges ignored', () => {
  const recorded = [r('<greeting>', '220', 'a'), r('AUTH', '334', 'abc', 'more'), r('AUTH', '235'), r('MAIL', '250', 'queued as 1')];
  const replayed = [r('<greeting>', '220', 'b'), r('AUTH', '235'), r('MAIL', '250', 'queued as 2')];
  assert.deepEqual(compareReplies(recorded, replayed, false), { compared: 3, differences: [] });
  assert.deepEqual(compareReplies(recorded, replayed, true).differences.map((d) => d.index), [1, 3]);
});

test('reply diff: a reply missing on one side does not shift the later pairs', () => {
  const recorded = [r('RCPT', '250'), r('DATA', '354', 'go', 'more'), r('.', '250'), r('QUIT', '221')];
  const replayed = [r('RCPT', '550'), r('DATA', '554'), r('QUIT', '221'), r('NOOP', '250')];
  const { compared, differences } = compareReplies(recorded, replayed, false);
  assert.equal(compared, 5);
  assert.deepEqual(differences.map((d) => `${d.index} ${d.recorded?.status ?? '-'} ${d.replayed?.status ?? '-'}`), ['1 250 550', '2 354 554', '3 250 -', '5 - 250']);
});
