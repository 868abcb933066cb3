import { TYPED_LITERAL_RE } from './typed-literal.js';

/**
 * The words of a command line read the way servers read them, for every
 * protocol alike: leading blanks skipped, words separated by runs of SP or
 * HTAB (Postfix and Dovecot accept both), a quoted string one word however
 * many blanks it holds, and, where the protocol has them, a `{N}`, `{N+}` or
 * `{N-}` at the end announcing a literal (RFC 9051 §4.3, RFC 5804 §4).
 */
export interface Word {
  /** The word as typed, quotes included. */
  text: string;
  /** Where it starts and ends in the line. */
  start: number;
  end: number;
  /** A literal announcement at the end of the line: its bytes follow on the next lines. */
  literal: boolean;
}

/** SP, HTAB and the other blanks a lenient server skips (VT, FF). */
const BLANK = /[ \t\v\f]/;

/** Splits `line` into words; `literals`: whether a last `{N}` announces a literal. */
export function commandWords(line: string, literals: boolean): Word[] {
  const words: Word[] = [];
  let i = 0;
  while (i < line.length) {
    if (BLANK.test(line[i])) {
      i++;
      continue;
    }
    const start = i;
    if (line[i] === '"') {
      // A quoted string: up to the closing quote, `\"` and `\\` escaped.
      for (i++; i < line.length && line[i] !== '"'; i++) if (line[i] === '\\') i++;
      i = Math.min(i + 1, line.length);
    }
    while (i < line.length && !BLANK.test(line[i])) i++;
    words.push({ text: line.slice(start, i), start, end: i, literal: false });
  }
  const last = words.at(-1);
  const literal = literals && last ? TYPED_LITERAL_RE.exec(last.text) : null;
  if (!last || !literal) return words;
  // Framing takes `x{5}` as `x` and a literal too: so do the words.
  const at = last.end - literal[0].length;
  if (at > last.start) {
    words.splice(-1, 1, { ...last, text: last.text.slice(0, at - last.start), end: at });
    words.push({ text: literal[0], start: at, end: last.end, literal: true });
  } else last.literal = true;
  return words;
}

/** The upper-cased word at `i`, '' when there is none. */
export function verbAt(words: readonly Word[], i: number): string {
  return words[i]?.text.toUpperCase() ?? '';
}

/** An upper-cased verb of the `X…` form servers use for private extensions (XCLIENT, XLIST): a command, not a typo. */
export function isExtensionVerb(verb: string): boolean {
  return /^X[A-Z0-9-]+$/.test(verb);
}
