import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../src/errors.js';
import { openUserFile, readUserFile } from '../src/files/user-file.js';

test('user-file: a file that cannot be read is one usage line naming it and why', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailsh-user-file-'));
  const missing = join(dir, 'missing.txt');
  assert.throws(() => readUserFile(missing), (err: unknown) => err instanceof UsageError && err.message === `cannot read ${missing}: ENOENT`);
  assert.throws(() => readUserFile(missing, `script ${missing}`), { message: `cannot read script ${missing}: ENOENT` });
  assert.throws(() => openUserFile(missing), { message: `cannot read ${missing}: ENOENT` });
  assert.throws(() => readUserFile(dir), { message: `cannot read ${dir}: EISDIR` });
  const file = join(dir, 'ok.txt');
  writeFileSync(file, 'hello');
  assert.equal(readUserFile(file).toString(), 'hello');
});
