import kleur from 'kleur';
import type { LineEnding, ServerLine } from '../framing/line-reader.js';
import type { LineView, ReplyClass } from '../protocol/adapter.js';
import type { Outgoing } from '../protocol/outgoing.js';
import type { NoteLevel } from '../session/session.js';
import { escapeBytes } from '../text/escape.js';

/** Turns colour on or off for everything rendered (`--no-color`, NO_COLOR, not a TTY). */
export function setColor(enabled: boolean): void {
  kleur.enabled = enabled;
}

const CLASS_COLOR: Record<ReplyClass, (s: string) => string> = {
  ok: kleur.green,
  more: kleur.cyan,
  temp: kleur.yellow,
  fail: kleur.red,
  info: (s) => s,
};

const ENDING_MARK: Record<LineEnding, string> = {
  crlf: '',
  lf: ' [bare LF: protocol violation]',
  cr: ' [bare CR: protocol violation]',
  none: ' [no line end]',
};

/**
 * A server line for the screen (SPEC §3): control bytes and invalid UTF-8
 * escaped so the server can never drive the terminal, coloured by outcome,
 * with line-end violations marked.
 */
export function renderServerLine(line: ServerLine, view: LineView): string {
  const text = view.shown !== undefined ? escapeBytes(view.shown, 'display') : escapeBytes(line.bytes, 'display', line.text);
  let shown = CLASS_COLOR[view.cls](text);
  if (view.alert) shown = kleur.bold().inverse(shown);
  let shownLine = `${kleur.dim('S:')} ${shown}`;
  if (view.annotation !== undefined) shownLine += kleur.dim(`   [${escapeBytes(Buffer.from(view.annotation), 'display')}]`);
  if (line.ending !== 'crlf' && !view.literal) shownLine += kleur.magenta(ENDING_MARK[line.ending]);
  return shownLine;
}

/** The echo of what was sent: the wire line, secrets masked, without CRLF. */
export function renderSent(out: Outgoing): string {
  let text = '';
  const last = out.pieces.length - 1;
  out.pieces.forEach((piece, i) => {
    if (piece.secret) {
      text += kleur.yellow(`<redacted ${piece.bytes.length} bytes>`);
      return;
    }
    // The CRLF every line ends with is implied; any other line end is shown.
    const n = piece.bytes.length;
    const implied = i === last && n >= 2 && piece.bytes[n - 2] === 0x0d && piece.bytes[n - 1] === 0x0a;
    text += escapeBytes(implied ? piece.bytes.subarray(0, n - 2) : piece.bytes, 'display');
  });
  return `${kleur.dim('C:')} ${kleur.bold(text)}`;
}

const NOTE_STYLE: Record<NoteLevel, (s: string) => string> = {
  info: (s) => kleur.dim(`== ${s}`),
  warn: (s) => kleur.yellow(`!! ${s}`),
  error: (s) => kleur.red().bold(`!! ${s}`),
};

/**
 * A local line from a meta command (/caps, /tls, /help). It may quote what a
 * server sent (capabilities, a certificate subject), so it is escaped.
 */
export function renderLocal(text: string): string {
  return escapeBytes(Buffer.from(text, 'utf8'), 'display');
}

/**
 * A note from mailsh itself (never sent). Notes quote what servers and users
 * sent (a refused reply, an unknown command), so they are escaped too.
 */
export function renderNote(level: NoteLevel, text: string): string {
  return NOTE_STYLE[level](renderLocal(text));
}
