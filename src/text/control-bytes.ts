import { escapeBytes } from './escape.js';

/**
 * Control characters a terminal or a server may act on: C0 except TAB, DEL,
 * and the C1 range U+0080–U+009F. Typed text with these in it was most
 * likely pasted from somewhere it did not belong.
 */
const CONTROL_RE = /[\x00-\x08\x0a-\x1f\x7f\u0080-\u009f]/g;
/** The same class without the global flag: `test` keeps no lastIndex between calls. */
const HAS_CONTROL = new RegExp(CONTROL_RE.source);

/** Text as the display shows it: `\x1b`, `\x00`, `\u009b`. */
const escaped = (s: string): string => escapeBytes(Buffer.from(s, 'utf8'), 'display');

/**
 * The distinct control characters in a typed line, escaped as the display
 * shows them, in order of appearance.
 */
export function controlBytesIn(line: string): string[] {
  // Nearly every line has none: a plain test spares the iterator and the Set.
  if (!HAS_CONTROL.test(line)) return [];
  return [...new Set(Array.from(line.matchAll(CONTROL_RE), ([c]) => escaped(c)))];
}

/** Turns bracketed paste on (xterm): the terminal then wraps pasted text in `\x1b[200~` … `\x1b[201~`. */
export const BRACKETED_PASTE_ON = '\x1b[?2004h';
/** Turns bracketed paste off again, for the shell after mailsh. */
export const BRACKETED_PASTE_OFF = '\x1b[?2004l';
const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';

/**
 * One key press as a terminal sends it: a cursor or function key (CSI ending
 * in A–H, P–S, Z or ~, with modifiers), SS3, or Alt+key.
 */
const KEY_SEQUENCE_RE = /\x1b(?:\[[0-9;]*[A-HPQRSZ~]|O.|[ -Z\\^-~])/g;

/** Any other escape sequence (colours, screen clears, titles): never a key. */
const OTHER_SEQUENCE_RE = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|.)?/g;

/** Control keys readline acts on when typed (Ctrl-A…Ctrl-F, Backspace, Ctrl-K, Ctrl-L, Ctrl-N, Ctrl-P, Ctrl-U, Ctrl-W, Ctrl-Z, DEL). */
const EDITING_KEYS_RE = /[\x01-\x06\x08\x0b\x0c\x0e\x10\x15\x17\x1a\x7f]/g;

/**
 * Watches terminal input, chunk by chunk, for control characters pasted into
 * a line (readline would silently drop or obey them). Inside bracketed paste
 * every control character but TAB and the line ends counts. Outside it, where
 * typing may arrive several keys per read, a chunk with printable text counts
 * only what no key sends: escape sequences that are not keys, and control
 * bytes readline has no binding for.
 */
export class PasteInspector {
  private inPaste = false;
  /** Per line not yet entered (the first is the one being typed): what was pasted into it. */
  private lines: Set<string>[] = [new Set()];

  /** Notes one chunk of terminal input, before readline sees it. */
  inspect(chunk: string): void {
    let pasted = '';
    let typed = '';
    const note = (): void => {
      for (const c of [...namedControls(pasted), ...typedControls(typed)]) this.lines[this.lines.length - 1].add(c);
      pasted = typed = '';
    };
    for (const part of chunk.split(/(\x1b\[20[01]~|\r\n|\r|\n)/)) {
      if (part === PASTE_START || part === PASTE_END) this.inPaste = part === PASTE_START;
      else if (/^[\r\n]/.test(part)) {
        note();
        this.lines.push(new Set());
      } else if (this.inPaste) pasted += part;
      else typed += part;
    }
    note();
  }

  /** The line was entered: the control characters pasted into it, escaped as the display shows them. */
  takeLine(): string[] {
    const line = this.lines.shift() ?? new Set();
    if (this.lines.length === 0) this.lines.push(new Set());
    return [...line];
  }

  /** The line being typed was thrown away (Ctrl-C). */
  clearLine(): void {
    this.lines[0].clear();
  }
}

/** The escape sequences and other control characters in `text`, sequences named whole. */
function namedControls(text: string): string[] {
  return [...(text.match(OTHER_SEQUENCE_RE) ?? []).map(escaped), ...controlBytesIn(text.replace(OTHER_SEQUENCE_RE, ''))];
}

/** In typed text that also holds printable characters: what no key press sends. */
function typedControls(typed: string): string[] {
  const notKeys = typed.replace(KEY_SEQUENCE_RE, '');
  const printable = notKeys.replace(OTHER_SEQUENCE_RE, '').replace(CONTROL_RE, '');
  return printable === '' ? [] : namedControls(notKeys.replace(EDITING_KEYS_RE, ''));
}
