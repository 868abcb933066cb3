import { escapeBytes } from '../transcript/escape.js';

/**
 * Control characters a terminal or a server may act on: C0 except TAB, DEL,
 * and the C1 range U+0080–U+009F. Typed text with these in it was most
 * likely pasted from somewhere it did not belong.
 */
const CONTROL_RE = /[\x00-\x08\x0a-\x1f\x7f\u0080-\u009f]/g;

/**
 * The distinct control characters in a typed line, escaped as the display
 * shows them (`\x1b`, `\x00`, `\u009b`), in order of appearance.
 */
export function controlBytesIn(line: string): string[] {
  const found = new Set<string>();
  for (const [c] of line.matchAll(CONTROL_RE)) found.add(escapeBytes(Buffer.from(c, 'utf8'), 'display'));
  return [...found];
}

/** One key press as a terminal sends it: CSI (arrows, F-keys), SS3, or Alt+key. */
const KEY_SEQUENCE_RE = /\x1b(?:\[[0-?]*[ -/]*[@-~]|O.|[^[O])/g;

/**
 * For one chunk of terminal input, per line it touches (split at CR/LF; the
 * first entry continues the line being typed), the control characters and
 * escape sequences pasted into it. A chunk that is only key presses (Enter,
 * an arrow, Ctrl-C) pastes nothing; printable text together with control
 * characters or escape sequences is a paste, whose control bytes readline
 * would silently drop or obey.
 */
export function pastedControls(chunk: string): string[][] {
  return chunk.split(/\r\n|\r|\n/).map((segment) => {
    const plain = segment.replace(KEY_SEQUENCE_RE, '');
    if (plain.replace(CONTROL_RE, '') === '') return [];
    const sequences = (segment.match(KEY_SEQUENCE_RE) ?? []).map((s) => escapeBytes(Buffer.from(s, 'utf8'), 'display'));
    return [...new Set([...sequences, ...controlBytesIn(plain)])];
  });
}
