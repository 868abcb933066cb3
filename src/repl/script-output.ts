import type { Writable } from 'node:stream';
import type { Session, SessionOutput } from '../session/session.js';
import { LiteralText } from './literal-text.js';
import { renderNote, renderSent, renderServerLine } from './render.js';

/** Bytes of stdout text worth one write of their own at once. */
const BLOCK = 64 * 1024;
/** How long text may wait for more to join it: unnoticeable, yet thousands of quick replies share a write. */
const FLUSH_AFTER_MS = 10;

/**
 * The session as `C:`/`S:` lines on stdout without colour, notes on stderr
 * (SPEC §10). Like stdio on a pipe or file, stdout is block-buffered: text
 * goes out in one write when 64 KiB have gathered or 10 ms after the first of
 * it, so a script of thousands of quick commands or a FETCH body of thousands
 * of lines costs a few writes, off the round trip (the transcript, not stdout,
 * is what must survive a kill). When stdout is a pipe that cannot take more,
 * reading from the server pauses until it drains, so memory stays flat
 * whatever the download size. The owner calls `flush` before it ends.
 */
export class ScriptOutput implements SessionOutput {
  /**
   * Text for stdout not yet written, already encoded: it goes out at 64 KiB,
   * after 10 ms, or on flush. Bytes, not strings: lines waiting here are no
   * work for the garbage collector, which would copy a string of them at
   * every scavenge until the write.
   */
  private block = Buffer.allocUnsafe(BLOCK);
  private used = 0;
  private session: Session | undefined;
  /** Reading from the server is paused until stdout drains (backpressure). */
  private held = false;
  private readonly literalText = new LiteralText();
  private timer: NodeJS.Timeout | undefined;
  /** stdout was closed by its reader (`| head -1`): nothing more is written to it. */
  private gone = false;
  private onGone: (() => void) | undefined;

  constructor(
    private readonly stdout: Writable,
    private readonly stderr: Writable,
  ) {
    // EPIPE (the reader went away) or any other write error: like a program
    // killed by SIGPIPE, mailsh stops quietly instead of crashing; the owner
    // ends the session politely (`whenGone`).
    stdout.on('error', () => {
      if (this.gone) return;
      this.gone = true;
      this.block = Buffer.alloc(0);
      this.used = 0;
      if (this.held) this.session?.connection?.resume();
      this.held = false;
      this.onGone?.();
    });
  }

  /** Called once when stdout turns out closed. */
  whenGone(handler: () => void): void {
    this.onGone = handler;
  }

  /** The session whose reading pauses while stdout is full. */
  attach(session: Session): void {
    this.session = session;
  }

  /** Told each complete reply (the script runner counts the failed ones). */
  reply: SessionOutput['reply'];
  server: SessionOutput['server'] = (line, view) => this.print(renderServerLine(line, view));
  literal: SessionOutput['literal'] = (chunk) => this.write(this.literalText.render(chunk));
  sent: SessionOutput['sent'] = (out) => this.print(renderSent(out));
  note: SessionOutput['note'] = (level, text) => this.printError(renderNote(level, text));
  stateChanged(): void {}

  /** A line on stdout (a meta command's output). */
  print(line: string): void {
    this.write(`${line}\n`);
  }

  /** Errors and notes go to stderr after what stdout was given before them. */
  printError(line: string): void {
    this.flush();
    this.stderr.write(`${line}\n`);
  }

  private write(text: string): void {
    if (this.gone) return;
    // No UTF-16 unit takes more than 3 bytes in UTF-8: a line that surely
    // fits is not measured first.
    if (text.length * 3 > BLOCK - this.used) {
      const size = Buffer.byteLength(text);
      // A full block goes out before text that does not fit: memory stays small whatever the download.
      if (size > BLOCK - this.used) this.flush();
      if (size >= BLOCK) {
        this.send(Buffer.from(text));
        return;
      }
    }
    this.used += this.block.write(text, this.used);
    this.timer ??= setTimeout(() => this.flush(), FLUSH_AFTER_MS);
  }

  /** Writes what is pending now. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.used === 0 || this.gone) return;
    // stdout may hold on to the bytes until they are written: the next text gets a new block.
    const bytes = this.block.subarray(0, this.used);
    this.block = Buffer.allocUnsafe(BLOCK);
    this.used = 0;
    this.send(bytes);
  }

  private send(bytes: Buffer): void {
    if (this.gone) return;
    const conn = this.session?.connection;
    if (this.stdout.write(bytes) || this.held || !conn) return;
    this.held = true;
    conn.pause();
    this.stdout.once('drain', () => {
      this.held = false;
      conn.resume();
    });
  }
}
