import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A message of `kib` lines of 1,000 bytes in `dir`, larger than loopback
 * socket buffers hold so that writes stall: written on first use, then
 * shared by the cases that run side by side.
 */
export function bigMessage(dir: string, kib: number): string {
  const file = join(dir, `big-${kib}k.eml`);
  if (!existsSync(file)) writeFileSync(file, `Subject: big\r\n\r\n${`${'x'.repeat(998)}\r\n`.repeat(kib * 1024)}`);
  return file;
}
