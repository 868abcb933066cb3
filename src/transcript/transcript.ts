import { closeSync, constants, fchmodSync, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import type { Outgoing } from '../text/pieces.js';
import { UsageError } from '../errors.js';
import { VERSION } from '../version.js';
import { escapeBytes, isPlainText, redactedMarker, replaceCrlf } from '../text/escape.js';
import type { Direction } from './direction.js';
import { JSONL_SCHEMA, jsonlNote, jsonlRecord, type RecordPart } from './jsonl-record.js';

export type TranscriptFormat = 'text' | 'jsonl';

export interface TranscriptOptions {
  file: string;
  format: TranscriptFormat;
  target: string;
  /** `--log-secrets`: write credentials instead of masking them. */
  logSecrets: boolean;
  /** Line mode (`tcp://`, `--raw`): masking goes by command words only; the header says so. */
  lineMode?: boolean;
  /** Injected clock, for reproducible tests. */
  now?: () => Date;
  /**
   * The file could not be written (a full disk): told once, with a one-line
   * error; the transcript writes nothing more. The owner stops the session,
   * since records would be lost from then on.
   */
  onFailure?: (err: UsageError) => void;
}

/**
 * Opens a transcript for appending, created 0600. A symbolic link is refused
 * (O_NOFOLLOW: a link planted at the path must not redirect the
 * credentials-adjacent log elsewhere), and an existing regular file is made
 * 0600 before anything is written to it.
 */
function openLogFile(file: string): number {
  const fail = (why: string): never => {
    throw new UsageError(`cannot open log file ${file}: ${why}`);
  };
  let fd = -1;
  try {
    fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    const stat = fstatSync(fd);
    if (stat.isFile() && (stat.mode & 0o777) !== 0o600) fchmodSync(fd, 0o600);
    return fd;
  } catch (err) {
    if (fd >= 0) closeSync(fd);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') fail('it is a symbolic link (ELOOP); give the real path');
    if (fd >= 0) fail(`cannot make it mode 0600 (${code ?? String(err)})`);
    return fail(code ?? String(err));
  }
}

/**
 * An append-only session transcript (SPEC §9). The records of one socket
 * chunk or one outgoing message are written together with one synchronous
 * write before the call returns, so a crash or kill loses nothing that was
 * already on the wire, yet a 100 MB download costs one system call per chunk
 * instead of one per line. The file is mode 0600 (see openLogFile).
 */
export class Transcript {
  private fd: number;
  private readonly now: () => Date;
  /** Records of the call under way, written by `flush` in one go. */
  private batch = '';
  /** The timestamp of the call under way: a chunk's lines arrived together. */
  private stamp = '';
  /** Bytes in the file after the last complete write: a failed write is cut back to it. */
  private size = 0;
  private failed: UsageError | undefined;
  /** The header is written: a failure from now on is the owner's to act on. */
  private open = false;

  constructor(private readonly opts: TranscriptOptions) {
    this.now = opts.now ?? (() => new Date());
    this.fd = openLogFile(opts.file);
    this.size = fstatSync(this.fd).size;
    const start = this.now().toISOString();
    const secrets = opts.logSecrets ? ' secrets=logged' : opts.lineMode ? ' secrets=redacted-by-command' : '';
    if (opts.format === 'text') {
      this.append(`# mailsh ${VERSION} transcript target=${opts.target} start=${start}${secrets}\n`);
    } else {
      const header = { type: 'header', mailsh: VERSION, schema: JSONL_SCHEMA, target: opts.target, start, secrets: opts.logSecrets ? 'logged' : opts.lineMode ? 'redacted-by-command' : 'redacted' };
      this.append(`${JSON.stringify(header)}\n`);
    }
    // Not even the header fits: refuse the log file as if it could not be opened.
    if (this.failed) throw this.failed;
    this.open = true;
  }

  /** Why the file could no longer be written, if it could not. */
  get failure(): UsageError | undefined {
    return this.failed;
  }

  /** The file written to. */
  get file(): string {
    return this.opts.file;
  }

  /** Records bytes sent, masking secret pieces unless --log-secrets. */
  client(out: Outgoing): void {
    if (this.opts.format === 'jsonl') {
      this.jsonlLines('C:', out.pieces.map((p) => (p.secret && !this.opts.logSecrets ? p.bytes.length : p.bytes)));
      return;
    }
    let text = '';
    for (const piece of out.pieces) {
      if (piece.secret && !this.opts.logSecrets) {
        text += redactedMarker(piece.bytes.length);
        continue;
      }
      text = this.lines('C:', text, piece.bytes);
    }
    if (text !== '') this.write('C:', text);
    this.flush();
  }

  /** Records bytes received, exactly as they arrived. */
  server(chunk: Buffer): void {
    if (this.opts.format === 'jsonl') {
      this.jsonlLines('S:', [chunk]);
      return;
    }
    const rest = this.lines('S:', '', chunk);
    if (rest !== '') this.write('S:', rest);
    this.flush();
  }

  /** Records a note from mailsh (connect, TLS, close, errors); jsonl records carry `fields` too. */
  note(text: string, fields?: Record<string, unknown>): void {
    if (this.opts.format === 'jsonl') this.batch += jsonlNote(this.timestamp(), text, fields);
    else this.write('==', escapeBytes(Buffer.from(text, 'utf8')));
    this.flush();
  }

  /** jsonl: one record per line ended by LF, with the exact bytes (see jsonl-record.ts). */
  private jsonlLines(dir: Direction, pieces: readonly RecordPart[]): void {
    const ts = this.timestamp();
    let parts: RecordPart[] = [];
    for (const piece of pieces) {
      if (typeof piece === 'number') {
        parts.push(piece);
        continue;
      }
      let start = 0;
      for (let nl = piece.indexOf(0x0a); nl >= 0; nl = piece.indexOf(0x0a, start)) {
        parts.push(piece.subarray(start, nl + 1));
        this.batch += jsonlRecord(ts, dir, parts);
        parts = [];
        start = nl + 1;
      }
      if (start < piece.length) parts.push(piece.subarray(start));
    }
    if (parts.length > 0) this.batch += jsonlRecord(ts, dir, parts);
    this.flush();
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  /**
   * Text format: writes one record per line ended by LF in `bytes`, the first
   * one prefixed by `head`; returns the escaped rest that has no line end yet.
   */
  private lines(dir: Direction, head: string, bytes: Buffer): string {
    if (isPlainText(bytes, 'transcript')) return this.plainLines(dir, head, bytes.toString('latin1'));
    let start = 0;
    for (let nl = bytes.indexOf(0x0a); nl >= 0; nl = bytes.indexOf(0x0a, start)) {
      this.write(dir, head + escapeBytes(bytes.subarray(start, nl + 1)));
      head = '';
      start = nl + 1;
    }
    return head + escapeBytes(bytes.subarray(start));
  }

  /**
   * `lines` for printable ASCII with CR and LF only, the bulk of any session:
   * the records of a whole chunk come from native string replaces, just one
   * when every line ends in CRLF.
   */
  private plainLines(dir: Direction, head: string, text: string): string {
    const last = text.lastIndexOf('\n');
    if (last < 0) return head + text.replace(/\r/g, '\\r');
    const prefix = `${this.timestamp()} ${dir} `;
    const lines = text.slice(0, last + 1);
    const records = replaceCrlf(lines, `\\r\\n\n${prefix}`) ?? lines.replace(/\r/g, '\\r').replace(/\n/g, `\\n\n${prefix}`);
    this.batch += prefix + head + records.slice(0, records.length - prefix.length);
    return text.slice(last + 1).replace(/\r/g, '\\r');
  }

  /** The time of the call under way: the lines of one chunk arrived together. */
  private timestamp(): string {
    if (this.stamp === '') this.stamp = this.now().toISOString();
    return this.stamp;
  }

  /** A text-format record. */
  private write(dir: Direction, text: string): void {
    this.batch += `${this.timestamp()} ${dir} ${text}\n`;
  }

  /** Writes the call's records with one synchronous write (crash safety, SPEC §9). */
  private flush(): void {
    const batch = this.batch;
    this.batch = '';
    this.stamp = '';
    if (batch !== '') this.append(batch);
  }

  /**
   * Writes all of `text` or, when the file takes no more (ENOSPC, EFBIG, EIO),
   * cuts it back to its last complete record, adds a note saying why if that
   * fits, and reports the failure once: never a record cut in half, never
   * records lost silently.
   */
  private append(text: string): void {
    if (this.fd < 0 || this.failed) return;
    const size = Buffer.byteLength(text);
    try {
      const n = writeSync(this.fd, text);
      if (n < size) this.writeAll(Buffer.from(text).subarray(n));
      this.size += size;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      this.failed = new UsageError(`cannot write log file ${this.opts.file}: ${code}: session stopped`);
      try {
        ftruncateSync(this.fd, this.size);
        const why = `session stopped: the log file takes no more (${code})`;
        writeSync(this.fd, this.opts.format === 'jsonl' ? jsonlNote(this.now().toISOString(), why) : `${this.now().toISOString()} == ${why}\n`);
      } catch {
        // Nothing more fits: the file ends at its last complete record.
      }
      this.close();
      if (this.open) this.opts.onFailure?.(this.failed);
    }
  }

  /** The rest of a partial write, until all is written or the file refuses more. */
  private writeAll(bytes: Buffer): void {
    for (let off = 0; off < bytes.length; ) {
      const n = writeSync(this.fd, bytes, off);
      if (n === 0) throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
      off += n;
    }
  }
}
