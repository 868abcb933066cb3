import { UsageError } from '../errors.js';

/**
 * Reads the escapes helpers and `/bytes` accept: `\0`, `\r`, `\n`, `\t`,
 * `\\` and `\xNN`, so that any byte can be typed on one line.
 */
export function parseEscapes(text: string): Buffer {
  const parts: Buffer[] = [];
  let last = 0;
  const re = /\\(x[0-9a-fA-F]{2}|[0rnt\\]|.|$)/g;
  for (const m of text.matchAll(re)) {
    parts.push(Buffer.from(text.slice(last, m.index), 'utf8'));
    last = m.index + m[0].length;
    const e = m[1];
    if (e.startsWith('x') && e.length === 3) parts.push(Buffer.of(parseInt(e.slice(1), 16)));
    else if (e === '0') parts.push(Buffer.of(0));
    else if (e === 'r') parts.push(Buffer.of(0x0d));
    else if (e === 'n') parts.push(Buffer.of(0x0a));
    else if (e === 't') parts.push(Buffer.of(0x09));
    else if (e === '\\') parts.push(Buffer.of(0x5c));
    else throw new UsageError(`unknown escape "\\${e}" (use \\0 \\r \\n \\t \\\\ or \\xNN)`);
  }
  parts.push(Buffer.from(text.slice(last), 'utf8'));
  return Buffer.concat(parts);
}
