/**
 * What mailsh sends: the exact wire bytes, cut into pieces so that secrets are
 * marked where they are made (DESIGN rule 4). The transcript, the screen echo
 * and the history consume these marks instead of guessing with regexes.
 */
import type { Outgoing, Piece } from '../text/pieces.js';

export type { Outgoing, Piece };

/** A part of a command line that must never be shown or logged. */
export class Secret {
  constructor(readonly text: string) {}
}

export type LinePart = string | Secret;

const CRLF = Buffer.from('\r\n');

/**
 * Builds one command line from its parts and appends exactly one CRLF
 * (DESIGN rule 2). A CR or LF inside the line would split it on the wire, so
 * it is refused: only `/bytes` may send bare line ends.
 */
export function commandLine(...parts: LinePart[]): Outgoing {
  const pieces: Piece[] = [];
  parts.forEach((part, i) => {
    const secret = part instanceof Secret;
    const text = secret ? part.text : part;
    if (/[\r\n]/.test(text)) throw new Error('a command line cannot contain CR or LF');
    // The CRLF joins a last plain part: a typical command is one buffer, sent without a concat.
    const end = !secret && i === parts.length - 1 ? '\r\n' : '';
    if (text !== '' || end !== '') pieces.push({ bytes: Buffer.from(text + end, 'utf8'), secret });
  });
  if (parts.length === 0 || parts.at(-1) instanceof Secret) pieces.push({ bytes: CRLF, secret: false });
  return { pieces };
}

/** Bytes sent exactly as given (message data, `/bytes`). */
export function rawBytes(bytes: Buffer): Outgoing {
  return { pieces: [{ bytes, secret: false }] };
}

/** The wire bytes of an outgoing message. */
export function wireBytes(out: Outgoing): Buffer {
  return out.pieces.length === 1 ? out.pieces[0].bytes : Buffer.concat(out.pieces.map((p) => p.bytes));
}

/**
 * The line as the echo shows it, for messages that quote it: secrets as
 * `<redacted N bytes>`, without the CRLF that ends it.
 */
export function quotedLine(out: Outgoing): string {
  const text = out.pieces.map((p) => (p.secret ? `<redacted ${p.bytes.length} bytes>` : p.bytes.toString('utf8'))).join('');
  return text.endsWith('\r\n') ? text.slice(0, -2) : text;
}

/** Whether any piece is secret (such lines stay out of the history). */
export function hasSecret(out: Outgoing): boolean {
  return out.pieces.some((p) => p.secret);
}

/**
 * Marks the bytes of known secrets (inline helper outputs) wherever they
 * appear in the readable pieces, so the mask covers exactly what the helper
 * produced whatever the adapter put around it (a tag, quoting).
 */
export function markSecrets(out: Outgoing, secrets: readonly string[]): Outgoing {
  let pieces = out.pieces;
  for (const secret of secrets) {
    const needle = Buffer.from(secret, 'utf8');
    if (needle.length === 0) continue;
    pieces = pieces.flatMap((piece) => (piece.secret ? [piece] : splitAround(piece.bytes, needle)));
  }
  return { pieces };
}

function splitAround(bytes: Buffer, needle: Buffer): Piece[] {
  const pieces: Piece[] = [];
  let from = 0;
  for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, from)) {
    if (at > from) pieces.push({ bytes: bytes.subarray(from, at), secret: false });
    pieces.push({ bytes: bytes.subarray(at, at + needle.length), secret: true });
    from = at + needle.length;
  }
  if (from < bytes.length) pieces.push({ bytes: bytes.subarray(from), secret: false });
  return pieces;
}
