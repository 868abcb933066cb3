import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planReplay } from '../src/session/replay-plan.js';
import { parseTranscript } from '../src/transcript/reader.js';

const T = '2026-11-24T05:01:02.000Z';
const transcript = (lines: string[]): string => `# mailsh 0.1.0 transcript target=smtp://127.0.0.1:25 start=${T}\n${lines.map((l) => `${T} ${l}`).join('\n')}\n`;

test('replay plan: SMTP commands, DATA text without its dot-stuffing, a masked AUTH LOGIN as one live exchange', () => {
  const { records } = parseTranscript(transcript([
    'S: 220 mx.test ESMTP\\r\\n',
    'C: EHLO me\\r\\n',
    'S: 250-mx.test\\r\\n',
    'S: 250 AUTH LOGIN\\r\\n',
    'C: AUTH LOGIN\\r\\n',
    'S: 334 VXNlcm5hbWU6\\r\\n',
    'C: \\<redacted 8 bytes>\\r\\n',
    'S: 334 UGFzc3dvcmQ6\\r\\n',
    'C: \\<redacted 12 bytes>\\r\\n',
    'S: 235 2.7.0 ok\\r\\n',
    'C: DATA\\r\\n',
    'S: 354 go\\r\\n',
    'C: ..dot\\r\\n',
    'C: .\\r\\n',
    'S: 250 queued\\r\\n',
  ]));
  const plan = planReplay(records, 'smtp');
  assert.deepEqual(plan.steps.map((s) => (s.kind === 'line' ? `${s.state}:${s.segments.join('')}` : `${s.kind}:${'mechanism' in s ? s.mechanism : ''}`)), [
    'command:EHLO me', 'auth:LOGIN', 'command:DATA', 'data:.dot', 'data:.',
  ]);
  assert.deepEqual(plan.replies.map((r) => `${r.reply.command} ${r.reply.status} @${r.at}`), [
    '<greeting> 220 @2', 'EHLO 250 @5', 'AUTH 334 @7', 'AUTH 334 @9', 'AUTH 235 @11', 'DATA 354 @13', '. 250 @16',
  ]);
});

test('replay plan: an unmasked SASL exchange is resent as recorded; masked IMAP LOGIN and POP3 PASS become credentials', () => {
  const smtp = planReplay(parseTranscript(transcript(['S: 220 hi\\r\\n', 'C: AUTH PLAIN AGEAYg==\\r\\n', 'S: 235 ok\\r\\n'])).records, 'smtp');
  assert.deepEqual(smtp.steps.map((s) => s.kind === 'line' && s.segments.join('')), ['AUTH PLAIN AGEAYg==']);
  const imap = planReplay(parseTranscript(transcript(['S: * OK hi\\r\\n', 'C: A001 LOGIN "alice" \\<redacted 8 bytes>\\r\\n', 'S: A001 OK\\r\\n'])).records, 'imap');
  assert.equal(imap.visibleUser, 'alice');
  assert.deepEqual(imap.steps.map((s) => s.kind === 'line' && s.secret), ['imap-password']);
  const pop = planReplay(parseTranscript(transcript(['S: +OK hi\\r\\n', 'C: USER \\<redacted 5 bytes>\\r\\n', 'S: +OK\\r\\n', 'C: PASS \\<redacted 5 bytes>\\r\\n', 'S: +OK\\r\\n'])).records, 'pop3');
  assert.deepEqual(pop.steps.map((s) => s.kind === 'line' && s.secret), ['user', 'password']);
});

test('replay plan: a masked value mailsh cannot rebuild names its transcript line', () => {
  const { records } = parseTranscript(transcript(['S: 220 hi\\r\\n', 'C: XTOKEN \\<redacted 8 bytes>\\r\\n']));
  assert.throws(() => planReplay(records, 'smtp'), /transcript line 3.*--log-secrets/);
});

test('replay plan: a BDAT chunk is data of its exact size, not lines', () => {
  const { records } = parseTranscript(transcript([
    'S: 220 hi\\r\\n',
    'C: BDAT 16 LAST\\r\\n',
    'C: Subject: x\\r\\n',
    'C: \\r\\n',
    'C: ok',
    'S: 250 queued\\r\\n',
    'C: QUIT\\r\\n',
  ]));
  const plan = planReplay(records, 'smtp');
  assert.deepEqual(plan.steps.map((s) => (s.kind === 'line' ? s.segments.join('') : `${s.kind}:${'bytes' in s ? JSON.stringify(s.bytes.toString()) : ''}`)), [
    'BDAT 16 LAST', 'chunk:"Subject: x\\r\\n\\r\\nok"', 'QUIT',
  ]);
  assert.deepEqual(plan.replies.map((r) => r.reply.command), ['<greeting>', 'BDAT']);
});
