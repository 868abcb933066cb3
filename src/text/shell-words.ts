import { UsageError } from '../errors.js';

/**
 * Splits helper and meta-command arguments like a shell: whitespace
 * separates words, '…' keeps everything literally, "…" keeps spaces and
 * allows \" and \\, and a backslash outside quotes escapes the next
 * character. `/login carol 'say "hi"!'` gives [carol, say "hi"!].
 */
export function shellWords(text: string): string[] {
  return leadingShellWords(text, Infinity).words;
}

/**
 * The first `count` shell words, and the rest of the text as typed (for
 * arguments such as IMAP flags, where `\Seen` must keep its backslash).
 */
export function leadingShellWords(text: string, count: number): { words: string[]; rest: string } {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) word += text[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      if (words.length === count) return { words, rest: text.slice(i + 1).trim() };
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new UsageError(`unterminated ${quote} quote`);
  if (inWord) words.push(word);
  return { words, rest: '' };
}
