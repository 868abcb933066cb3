import type { Readable, Writable } from 'node:stream';
import { EXIT, UsageError, exitStatusOf, isUserFacing, type ExitStatus } from '../errors.js';
import { InputLineSplitter } from '../framing/input-lines.js';
import { InputQueue } from '../session/input-queue.js';
import type { Session, SessionOutput } from '../session/session.js';
import { LiteralText } from './literal-text.js';
import { runMetaCommand, type FrontEndOptions, type MetaContext } from './meta-commands.js';
import { renderNote, renderSent, renderServerLine } from './render.js';

/** Bytes of stdout text worth one write of their own before the turn ends. */
const FLUSH_AT = 64 * 1024;

/** Where script lines come from: fixed lines (-e, -f) or a pipe. */
export type ScriptSource = { lines: string[] } | { stream: Readable };

/**
 * Script mode (SPEC §10): lines are sent one command at a time with the REPL's
 * rules, each after the previous reply; the session is printed as `C:`/`S:`
 * lines on stdout, notes go to stderr; at the end mailsh quits politely. The
 * exit status tells whether every command succeeded.
 */
export class ScriptRunner {
  private status: ExitStatus = EXIT.ok;
  private stopped = false;
  /** Lines for stdout not yet written: one write per event-loop turn, not per line. */
  private pending = '';
  private session: Session | undefined;
  /** Reading from the server is paused until stdout drains (backpressure). */
  private held = false;

  constructor(
    private readonly stdout: Writable,
    private readonly stderr: Writable,
    private readonly opts: FrontEndOptions,
  ) {}

  private readonly literalText = new LiteralText();

  readonly output: SessionOutput = {
    server: (bytes, ending, view) => this.print(renderServerLine(bytes, ending, view)),
    literal: (chunk) => this.write(this.literalText.render(chunk)),
    sent: (out) => this.print(renderSent(out)),
    note: (level, text) => this.printError(renderNote(level, text)),
    stateChanged: () => undefined,
  };

  private print(line: string): void {
    this.write(`${line}\n`);
  }

  /**
   * Queues text for stdout. The lines of one server chunk (a FETCH body is
   * thousands) go out in one write once the loop's I/O callbacks have run,
   * after the next command was sent, so printing is off the round trip; when
   * stdout is a pipe that cannot take more, reading from the server pauses
   * until it drains, so memory stays flat whatever the download size.
   */
  private write(text: string): void {
    if (this.pending === '') setImmediate(() => this.flush());
    this.pending += text;
    // A download fills many chunks per turn: write as it goes, memory stays small.
    if (this.pending.length >= FLUSH_AT) this.flush();
  }

  /** Errors and notes go to stderr after what stdout was given before them. */
  private printError(line: string): void {
    this.flush();
    this.stderr.write(`${line}\n`);
  }

  private flush(): void {
    const text = this.pending;
    if (text === '') return;
    this.pending = '';
    const conn = this.session?.connection;
    if (this.stdout.write(text) || this.held || !conn) return;
    this.held = true;
    conn.pause();
    this.stdout.once('drain', () => {
      this.held = false;
      conn.resume();
    });
  }

  async run(session: Session, source: ScriptSource): Promise<ExitStatus> {
    this.session = session;
    const ctx: MetaContext = {
      session,
      print: (text) => this.print(text),
      setLog: this.opts.setLog,
      defaultUser: this.opts.defaultUser,
      askSecret: async () => {
        if (this.opts.envPassword !== undefined) return this.opts.envPassword;
        throw new UsageError('no password: give it on the line or in MAILSH_PASSWORD (scripts never prompt)');
      },
      quit: async () => {
        this.stop(EXIT.ok);
        await session.quit();
      },
      progress: () => undefined,
    };
    const queue = new InputQueue(session, (line) => runMetaCommand(line, ctx), 'script', (err, line) => {
      this.printError(renderNote('error', `${err instanceof Error ? err.message : String(err)} (at: ${line})`));
      if (!isUserFacing(err) && !session.connected) this.stop(EXIT.connection);
      else this.stop(err instanceof UsageError ? EXIT.usage : exitStatusOf(err));
      queue.clear();
    });
    session.on('fatal', (err) => {
      this.stop(exitStatusOf(err));
      queue.clear();
    });
    session.on('closed', () => {
      if (!session.quitting && queue.length > 0) {
        this.stop(EXIT.connection);
        queue.clear();
      }
    });
    await this.feed(source, (line) => {
      if (!this.stopped) queue.push(line);
    });
    await queue.drained();
    if (!this.stopped && session.connected) {
      try {
        await session.settled();
      } catch (err) {
        this.printError(renderNote('error', (err as Error).message));
        this.stop(exitStatusOf(err));
      }
    }
    await session.quit();
    if (this.status === EXIT.ok && session.failures > 0) return EXIT.commandFailed;
    return this.status;
  }

  /** The first error decides the exit status; later lines are not run. */
  private stop(status: ExitStatus): void {
    if (this.stopped) return;
    this.stopped = true;
    this.status = status;
  }

  private feed(source: ScriptSource, push: (line: string) => void): Promise<void> {
    if ('lines' in source) {
      source.lines.forEach(push);
      return Promise.resolve();
    }
    const splitter = new InputLineSplitter();
    return new Promise((resolve, reject) => {
      source.stream.setEncoding('utf8');
      source.stream.on('data', (chunk: string) => splitter.push(chunk).forEach(push));
      source.stream.on('end', () => {
        splitter.end().forEach(push);
        resolve();
      });
      source.stream.on('error', reject);
    });
  }
}
