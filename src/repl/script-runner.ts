import type { Readable, Writable } from 'node:stream';
import { EXIT, UsageError, exitStatusOf, isUserFacing, type ExitStatus } from '../errors.js';
import { InputLineSplitter } from '../framing/input-lines.js';
import { InputQueue } from '../session/input-queue.js';
import type { Session, SessionOutput } from '../session/session.js';
import { runMetaCommand, type FrontEndOptions, type MetaContext } from './meta-commands.js';
import { renderLocal, renderNote, renderSent, renderServerLine } from './render.js';

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
  private session: Session | undefined;
  /** Reading from the server is paused until stdout drains. */
  private throttled = false;

  constructor(
    private readonly stdout: Writable,
    private readonly stderr: Writable,
    private readonly opts: FrontEndOptions,
  ) {}

  readonly output: SessionOutput = {
    server: (bytes, ending, view) => this.show(`${renderServerLine(bytes, ending, view)}\n`),
    sent: (out) => this.stdout.write(`${renderSent(out)}\n`),
    note: (level, text) => this.stderr.write(`${renderNote(level, text)}\n`),
    stateChanged: () => undefined,
  };

  /**
   * Prints server output; when stdout cannot keep up (a slow pipe), reading
   * from the server pauses until it drains, so a server pouring out bytes
   * cannot pile them up in memory (issue 7).
   */
  private show(text: string): void {
    if (this.stdout.write(text) || this.throttled || !this.session) return;
    const session = this.session;
    this.throttled = true;
    session.pauseReading();
    this.stdout.once('drain', () => {
      this.throttled = false;
      session.resumeReading();
    });
  }

  async run(session: Session, source: ScriptSource): Promise<ExitStatus> {
    this.session = session;
    const ctx: MetaContext = {
      session,
      print: (text) => this.stdout.write(`${renderLocal(text)}\n`),
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
      this.stderr.write(`${renderNote('error', `${err instanceof Error ? err.message : String(err)} (at: ${line})`)}\n`);
      if (!isUserFacing(err) && !session.connected) this.stop(EXIT.connection);
      else this.stop(err instanceof UsageError ? EXIT.usage : exitStatusOf(err));
      queue.clear();
    });
    session.on('fatal', (err) => {
      this.stop(exitStatusOf(err));
      queue.clear();
    });
    session.on('closed', () => {
      // Lines not sent yet, or a command still waiting for its reply, failed.
      if (!session.quitting && (queue.length > 0 || session.adapter.pending > 0)) {
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
        this.stderr.write(`${renderNote('error', (err as Error).message)}\n`);
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
