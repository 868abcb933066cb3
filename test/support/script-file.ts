import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A mailsh script (`-f FILE`) of `lines` in a fresh temporary directory. */
export function scriptFile(lines: string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mailsh-script-')), 'session.mailsh');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}
