import kleur from 'kleur';
import type { LineEnding } from '../framing/line-reader.js';
import type { LineView, ReplyClass } from '../protocol/adapter.js';
import type { Outgoing } from '../protocol/outgoing.js';
import type { NoteLevel } from '../session/session.js';
import { escapeBytes } from '../transcript/escape.js';

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
export function renderServerLine(bytes: Buffer, ending: LineEnding, view: LineView): string {
  const text = escapeBytes(view.shown ?? bytes, 'display');
  let shown = CLASS_COLOR[view.cls](text);
  if (view.alert) shown = kleur.bold().inverse(shown);
  let line = `${kleur.dim('S:')} ${shown}`;
  if (view.annotation !== undefined) line += kleur.dim(`   [${escapeBytes(Buffer.from(view.annotation), 'display')}]`);
  if (ending !== 'crlf' && !view.literal) line += kleur.magenta(ENDING_MARK[ending]);
  return line;
}

/** The echo of what was sent: the wire line, secrets masked, without CRLF. */
export function renderSent(out: Outgoing): string {
  let text = '';
  for (const piece of out.pieces) {
    text += piece.secret ? kleur.yellow(`<redacted ${piece.bytes.length} bytes>`) : escapeBytes(piece.bytes, 'display');
  }
  // The CRLF every line ends with is implied; show any other line end.
  return `${kleur.dim('C:')} ${kleur.bold(text.replace(/\\r\\n$/, ''))}`;
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
