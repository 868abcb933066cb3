import { closeSync, openSync, writeSync } from 'node:fs';
import type { Outgoing } from '../text/pieces.js';
import { UsageError } from '../errors.js';
import { VERSION } from '../version.js';
import { escapeBytes, isPlainText, redactedMarker, replaceCrlf } from '../text/escape.js';

export type TranscriptFormat = 'text' | 'jsonl';

/** Where a record came from: client, server, or a note from mailsh. */
export type Direction = 'C:' | 'S:' | '==';

export interface TranscriptOptions {
  file: string;
  format: TranscriptFormat;
  target: string;
  /** `--log-secrets`: write credentials instead of masking them. */
  logSecrets: boolean;
  /** Injected clock, for reproducible tests. */
  now?: () => Date;
}

/**
 * An append-only session transcript (SPEC §9). The records of one socket
 * chunk or one outgoing message are written together with one synchronous
 * write before the call returns, so a crash or kill loses nothing that was
 * already on the wire, yet a 100 MB download costs one system call per chunk
 * instead of one per line. The file is created with mode 0600.
 */
export class Transcript {
  private fd: number;
  private readonly now: () => Date;
  /** Records of the call under way, written by `flush` in one go. */
  private batch = '';
  /** The timestamp of the call under way: a chunk's lines arrived together. */
  private stamp = '';

  constructor(private readonly opts: TranscriptOptions) {
    this.now = opts.now ?? (() => new Date());
    try {
      this.fd = openSync(opts.file, 'a', 0o600);
    } catch (err) {
      throw new UsageError(`cannot open log file ${opts.file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    const start = this.now().toISOString();
    const secrets = opts.logSecrets ? ' secrets=logged' : '';
    if (opts.format === 'text') {
      this.append(`# mailsh ${VERSION} transcript target=${opts.target} start=${start}${secrets}\n`);
    } else {
      const header = { type: 'header', mailsh: VERSION, target: opts.target, start, secrets: opts.logSecrets ? 'logged' : 'redacted' };
      this.append(`${JSON.stringify(header)}\n`);
    }
  }

  /** Records bytes sent, masking secret pieces unless --log-secrets. */
  client(out: Outgoing): void {
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
    const rest = this.lines('S:', '', chunk);
    if (rest !== '') this.write('S:', rest);
    this.flush();
  }

  /** Records a note from mailsh (connect, TLS, close, errors). */
  note(text: string): void {
    this.write('==', escapeBytes(Buffer.from(text, 'utf8')));
    this.flush();
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  /**
   * Writes one record per line ended by LF in `bytes`, the first one prefixed
   * by `head`; returns the escaped rest that has no line end yet.
   */
  private lines(dir: Direction, head: string, bytes: Buffer): string {
    if (this.opts.format === 'text' && isPlainText(bytes, 'transcript')) return this.plainLines(dir, head, bytes.toString('latin1'));
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

  private write(dir: Direction, text: string): void {
    const ts = this.timestamp();
    if (this.opts.format === 'text') this.batch += `${ts} ${dir} ${text}\n`;
    else this.batch += `${JSON.stringify({ ts, dir: dir.replace(':', ''), data: text })}\n`;
  }

  /** Writes the call's records with one synchronous write (crash safety, SPEC §9). */
  private flush(): void {
    const batch = this.batch;
    this.batch = '';
    this.stamp = '';
    if (batch !== '') this.append(batch);
  }

  private append(text: string): void {
    if (this.fd >= 0) writeSync(this.fd, text);
  }
}
