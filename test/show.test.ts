/** mailsh show (SPEC §9): colour, relative times, TLS notes, decoded challenges, --since, --grep. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import kleur from 'kleur';
import type { CliOptions } from '../src/cli/args.js';
import { runShow } from '../src/cli/show-command.js';
import { runInProcess } from './support/run-in-process.js';

const dir = mkdtempSync(join(tmpdir(), 'mailsh-show-'));
const file = join(dir, 'session.log');
writeFileSync(file, [
  '# mailsh 0.1.0 transcript target=submission://mx.test:587 start=2026-11-24T05:00:00.000Z',
  '2026-11-24T05:00:00.010Z == connected 127.0.0.1:587',
  '2026-11-24T05:00:00.020Z S: 220 mx.test ESMTP\\r\\n',
  '2026-11-24T05:00:00.030Z C: STARTTLS\\r\\n',
  '2026-11-24T05:00:00.040Z S: 220 2.0.0 go ahead\\r\\n',
  '2026-11-24T05:00:00.090Z == tls TLSv1.3 TLS_AES_256_GCM_SHA384 verify=ok subject=CN=mx.test',
  '2026-11-24T05:00:01.500Z C: AUTH LOGIN\\r\\n',
  '2026-11-24T05:00:01.510Z S: 334 VXNlcm5hbWU6\\r\\n',
  '2026-11-24T05:00:02.000Z C: \\<redacted 8 bytes>\\r\\n',
  '2026-11-24T05:00:02.010Z S: 535 5.7.8 authentication failed\\r\\n',
  '',
].join('\n'));

function show(opts: Partial<CliOptions> = {}): string {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  runShow(file, opts as CliOptions, out);
  return text;
}

test('show: relative times, decoded challenges, TLS notes and masked secrets stand out, outcome colours', () => {
  const before = kleur.enabled;
  kleur.enabled = true;
  try {
    const text = show();
    assert.match(text, /\x1b\[35m\x1b\[1mtls TLSv1\.3 /, 'the TLS note is magenta and bold');
    assert.match(text, /\x1b\[32m220 mx\.test ESMTP/, '220 green');
    assert.match(text, /\x1b\[31m535 5\.7\.8/, '535 red');
    assert.match(text, /\x1b\[7m\\<redacted 8 bytes>/, 'masked secrets are marked');
  } finally {
    kleur.enabled = before;
  }
  const plain = show();
  assert.match(plain, /^05:00:00\.020   \+0\.020s S: 220 mx\.test ESMTP\\r\\n$/m);
  assert.match(plain, /^05:00:01\.510   \+1\.510s S: 334 VXNlcm5hbWU6\\r\\n {3}\[challenge: Username:\]$/m);
});

test('show: --since (+seconds, time of day, ISO) and --grep filter records', () => {
  const records = (text: string): string[] => text.split('\n').filter((l) => /^\d\d:/.test(l));
  assert.equal(records(show({ since: '+1.5' })).length, 4);
  assert.equal(records(show({ since: '05:00:02' })).length, 2);
  assert.equal(records(show({ since: '2026-11-24T05:00:01.5' })).length, 4);
  assert.deepEqual(records(show({ grep: '^(220|535) ' })).map((l) => l.slice(26, 29)), ['220', '220', '535']);
  assert.deepEqual(records(show({ grep: 'tls', since: '+0.05' })).map((l) => l.slice(23, 25)), ['==']);
});

test('show: bad --since and --grep are usage errors (exit 2)', async () => {
  const since = await runInProcess(['show', file, '--since', 'yesterday']);
  assert.equal(since.code, 2);
  assert.match(since.stderr, /^mailsh: --since needs \+SECONDS/m);
  const grep = await runInProcess(['show', file, '--grep', '(']);
  assert.equal(grep.code, 2);
  assert.match(grep.stderr, /^mailsh: --grep needs a regular expression/m);
});

test('show: a decoded challenge cannot forge a record, and bidi controls are escaped (issue 21)', () => {
  const forged = join(dir, 'forged.log');
  const challenge = Buffer.from('\r\n05:00:09.000   +9.000s S: 235 2.7.0 ok').toString('base64');
  writeFileSync(forged, [
    '# mailsh 0.1.0 transcript target=smtp://mx.test:25 start=2026-11-24T05:00:00.000Z',
    `2026-11-24T05:00:00.020Z S: 334 ${challenge}\\r\\n`,
    '2026-11-24T05:00:00.030Z S: 250 ok \u202egnp.exe\\r\\n',
    '',
  ].join('\n'));
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  runShow(forged, {} as CliOptions, out);
  assert.ok(!/[\r\u202e]/.test(text), JSON.stringify(text));
  assert.equal(text.split('\n').length, 4, 'a header and two records');
  assert.match(text, /\[challenge: \\r\\n05:00:09\.000 {3}\+9\.000s S: 235 2\.7\.0 ok\]$/m);
  assert.match(text, /S: 250 ok \\u202egnp\.exe/);
});
