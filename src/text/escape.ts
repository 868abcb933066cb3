import { isAscii } from 'node:buffer';

/**
 * The lossless escaping of transcript records (SPEC §9): valid UTF-8 is kept
 * as is; `\r`, `\n`, `\t`, `\\` and `\xNN` cover line ends, other control
 * bytes and invalid UTF-8; `\<redacted N bytes>` stands for a masked secret.
 */

/** Length of the valid UTF-8 sequence starting at `i`, or 0 if it is invalid. */
export function utf8SequenceLength(buf: Uint8Array, i: number): number {
  const b = buf[i];
  if (b < 0x80) return 1;
  let len: number;
  let min: number;
  if (b >= 0xc2 && b <= 0xdf) {
    len = 2;
    min = 0x80;
  } else if (b >= 0xe0 && b <= 0xef) {
    len = 3;
    min = 0x800;
  } else if (b >= 0xf0 && b <= 0xf4) {
    len = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > buf.length) return 0;
  let cp = b & (0xff >> (len + 1));
  for (let k = 1; k < len; k++) {
    const c = buf[i + k];
    if ((c & 0xc0) !== 0x80) return 0;
    cp = (cp << 6) | (c & 0x3f);
  }
  // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are invalid.
  if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return 0;
  return len;
}

/** A byte that is not printable ASCII escaping to itself (transcript: backslash too). */
const TRANSCRIPT_SPECIAL = /[^\x20-\x5b\x5d-\x7e]/;
const DISPLAY_SPECIAL = /[^\x20-\x7e\t]/;

/** ASCII control bytes but tab, CR and LF: escaped both in transcripts and on screen. */
const CONTROLS = [...Array(0x20).keys(), 0x7f].filter((b) => b !== 0x09 && b !== 0x0a && b !== 0x0d);
const PLAIN_EXCEPT: Record<'transcript' | 'display', readonly number[]> = {
  transcript: [...CONTROLS, 0x09, 0x5c],
  display: CONTROLS,
};

/**
 * Whether a chunk is text that escapes to itself but for its line ends: ASCII
 * without control bytes (and for a transcript without tab and backslash).
 * Native scans only (isAscii, one indexOf per excluded byte), which for a
 * 64 KiB chunk is several times faster than a regex over its characters.
 */
export function isPlainText(bytes: Buffer, mode: 'transcript' | 'display'): boolean {
  if (!isAscii(bytes)) return false;
  for (const b of PLAIN_EXCEPT[mode]) {
    if (bytes.indexOf(b) >= 0) return false;
  }
  return true;
}

/**
 * `text` with each CRLF replaced by `end`, or undefined if it also has a bare
 * CR or LF. One String indexOf per line (an inlined builtin) finds a bare LF
 * without allocating, where counting line ends with split made a string per
 * line for the GC; then one native replace. `end` holds no CR and no `$`
 * pattern.
 */
export function replaceCrlf(text: string, end: string): string | undefined {
  for (let lf = text.indexOf('\n'); lf >= 0; lf = text.indexOf('\n', lf + 1)) {
    if (text.charCodeAt(lf - 1) !== 0x0d) return undefined;
  }
  const out = text.replaceAll('\r\n', end);
  // Every LF had its CR, so any CR left is a bare one.
  return out.includes('\r') ? undefined : out;
}

const NAMED: Record<number, string> = { 0x0d: '\\r', 0x0a: '\\n', 0x09: '\\t', 0x5c: '\\\\' };

function hex(b: number): string {
  return `\\x${b.toString(16).padStart(2, '0')}`;
}

/** The code point of the valid UTF-8 sequence of `len` bytes at `i`. */
function codePoint(buf: Uint8Array, i: number, len: number): number {
  let cp = buf[i] & (0xff >> (len + 1));
  for (let k = 1; k < len; k++) cp = (cp << 6) | (buf[i + k] & 0x3f);
  return cp;
}

/**
 * Unicode bidirectional controls (ALM, LRM, RLM, LRE…RLO, LRI…PDI): on a
 * terminal they reorder what follows, so a line can be made to read as
 * something else (CVE-2021-42574, "Trojan Source").
 */
function isBidiControl(cp: number): boolean {
  return cp === 0x061c || cp === 0x200e || cp === 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/**
 * Escapes bytes for a transcript record (`transcript`: lossless), or for the
 * terminal (`display`: backslash and tab stay as they are, but the C1 controls
 * U+0080–U+009F are escaped too, since some terminals obey them, and so are
 * the bidi controls, which reorder the text around them).
 * `text` is the bytes' text when the caller has it and they are ASCII (a
 * server line's, see lineText): it spares the decode.
 */
export function escapeBytes(buf: Uint8Array, mode: 'transcript' | 'display' = 'transcript', text?: string): string {
  const escapeC1 = mode === 'display';
  // Fast path for the common case, printable ASCII: one native decode and
  // one regex scan instead of a JavaScript step per byte.
  const ascii = text ?? (Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.length)).toString('latin1');
  if (!(escapeC1 ? DISPLAY_SPECIAL : TRANSCRIPT_SPECIAL).test(ascii)) return ascii;
  let out = '';
  let runStart = 0;
  let i = 0;
  const flush = (end: number): void => {
    if (end > runStart) out += Buffer.from(buf.buffer, buf.byteOffset + runStart, end - runStart).toString('utf8');
  };
  while (i < buf.length) {
    const b = buf[i];
    if ((b >= 0x20 && b < 0x7f && (b !== 0x5c || escapeC1)) || (b === 0x09 && escapeC1)) {
      i++;
      continue;
    }
    const len = b >= 0x80 ? utf8SequenceLength(buf, i) : 0;
    const cp = len > 0 ? codePoint(buf, i, len) : -1;
    if (len > 0 && !(escapeC1 && (cp < 0xa0 || isBidiControl(cp)))) {
      i += len;
      continue;
    }
    flush(i);
    if (len > 0) {
      out += `\\u${cp.toString(16).padStart(4, '0')}`;
      i += len;
    } else {
      out += NAMED[b] ?? hex(b);
      i++;
    }
    runStart = i;
  }
  flush(i);
  return out;
}

/** The stand-in written for a masked secret of `n` bytes. */
export function redactedMarker(n: number): string {
  return `\\<redacted ${n} bytes>`;
}

/** One piece of a parsed record: bytes, or a secret that was masked. */
export type UnescapedPart = { bytes: Buffer } | { redacted: number };

const ESCAPE_RE = /\\(?:([rnt\\])|x([0-9a-fA-F]{2})|<redacted (\d+) bytes>|u([0-9a-fA-F]{4}))/g;
const NAMED_BYTES: Record<string, number> = { r: 0x0d, n: 0x0a, t: 0x09, '\\': 0x5c };

/** Reverses escapeBytes; masked secrets come back as `{redacted: N}` parts. */
export function unescapeRecord(text: string): UnescapedPart[] {
  const parts: UnescapedPart[] = [];
  let pieces: Buffer[] = [];
  const flushBytes = (): void => {
    if (pieces.length) parts.push({ bytes: Buffer.concat(pieces) });
    pieces = [];
  };
  let last = 0;
  for (const m of text.matchAll(ESCAPE_RE)) {
    if (m.index > last) pieces.push(Buffer.from(text.slice(last, m.index), 'utf8'));
    last = m.index + m[0].length;
    if (m[1]) pieces.push(Buffer.of(NAMED_BYTES[m[1]]));
    else if (m[2]) pieces.push(Buffer.of(parseInt(m[2], 16)));
    else if (m[4]) pieces.push(Buffer.from(String.fromCharCode(parseInt(m[4], 16)), 'utf8'));
    else {
      flushBytes();
      parts.push({ redacted: Number(m[3]) });
    }
  }
  if (text.length > last) pieces.push(Buffer.from(text.slice(last), 'utf8'));
  flushBytes();
  return parts;
}
