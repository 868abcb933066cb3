import type { Readable, Writable } from 'node:stream';
import { EXIT, UsageError, exitStatusOf, isUserFacing, type ExitStatus } from '../errors.js';
import { InputLineSplitter, StrictUtf8 } from '../framing/input-lines.js';
import type { Reply } from '../protocol/adapter.js';
import { InputQueue } from '../session/input-queue.js';
import type { Session } from '../session/session.js';
import { maskedMetaLine, metaPipelines, runMetaCommand, type FrontEndOptions } from './meta-commands.js';
import type { MetaContext } from './meta-context.js';
import { renderLocal, renderNote } from './render.js';
import { ScriptOutput } from './script-output.js';

/** Where script lines come from: fixed lines (-e, -f) or a pipe. */
export type ScriptSource = { lines: string[] } | { stream: Readable };

const failed = (reply: Reply): boolean => reply.cls === 'fail' || reply.cls === 'temp';

/**
 * The failed replies (4xx/5xx, NO/BAD, -ERR) a script saw, from the greeting
 * on: one makes it exit 1 (SPEC §10), unless an `/expect` asked for it.
 */
class FailedReplies {
  count = 0;
  /** Failed replies an `/expect` accepted: they count once, and no longer. */
  private readonly accepted = new WeakSet<Reply>();

  saw(reply: Reply): void {
    if (failed(reply)) this.count++;
  }

  /** Each failed reply is forgiven at most once. */
  accept(reply: Reply): void {
    if (!failed(reply) || this.accepted.has(reply)) return;
    this.accepted.add(reply);
    this.count--;
  }
}

/**
 * Script mode (SPEC §10): lines are sent one command at a time with the REPL's
 * rules, each after the previous reply; the session is printed as `C:`/`S:`
 * lines on stdout, notes go to stderr; at the end mailsh quits politely. The
 * exit status tells whether every command succeeded.
 */
export class ScriptRunner {
  private status: ExitStatus = EXIT.ok;
  private stopped = false;
  /** Lines were dropped as a refused command's data: the run failed (SPEC §10). */
  private dropped = false;
  /** Stops waiting for piped lines: once stopped, a pipe that stays open must not keep mailsh waiting. */
  private endFeed: (() => void) | undefined;
  readonly output: ScriptOutput;
  private readonly failed = new FailedReplies();

  constructor(
    stdout: Writable,
    stderr: Writable,
    private readonly opts: FrontEndOptions,
  ) {
    this.output = new ScriptOutput(stdout, stderr);
    // Given to the session before it connects: the greeting and --starttls replies count too.
    this.output.reply = (reply) => this.failed.saw(reply);
  }

  async run(session: Session, source: ScriptSource): Promise<ExitStatus> {
    try {
      return await this.runLines(session, source);
    } finally {
      this.output.flush();
    }
  }

  private async runLines(session: Session, source: ScriptSource): Promise<ExitStatus> {
    const initial = this.opts.initialLines ?? [];
    // Lines mailsh put first (`--auth`) come before the script's line 1.
    const lineName = (number: number): string => (number > initial.length ? `line ${number - initial.length}` : 'option');
    this.output.attach(session);
    const ctx: MetaContext = {
      session,
      print: (text) => this.output.print(renderLocal(text)),
      setLog: this.opts.setLog,
      defaultUser: this.opts.defaultUser,
      askSecret: async () => {
        if (this.opts.envPassword !== undefined) return this.opts.envPassword;
        throw new UsageError('no password: give it on the line or in MAILSH_PASSWORD (scripts never prompt)');
      },
      confirm: async (question) => {
        throw new UsageError(`${question} Scripts never ask: pass --insecure-auth to allow it`);
      },
      insecureAuth: this.opts.insecureAuth ?? false,
      acceptFailure: (reply) => this.failed.accept(reply),
      quit: async () => {
        this.stop(EXIT.ok);
        await session.quit();
      },
      progress: () => undefined,
    };
    let ended = false;
    const queue = new InputQueue(session, this.opts.pipeline ? 'pipeline' : 'script', {
      meta: (line) => runMetaCommand(line, ctx),
      metaPipelines,
      onDropped: () => (this.dropped = true),
      maskMeta: maskedMetaLine,
      askSecret: ctx.askSecret,
      defaultUser: this.opts.defaultUser,
      onError: (err, line, number) => {
        // The line failed because a fatal error, already reported, ended the session: one message is enough.
        if (ended && !session.connected) {
          queue.clear();
          return;
        }
        const at = lineName(number);
        const message = err instanceof Error ? err.message : String(err);
        this.output.printError(renderNote('error', `${message} (${at}: ${line})`));
        // The error ends the script: the transcript says why (issue 17 item 9).
        session.transcript?.note(`error ${message} (${at})`);
        if (!isUserFacing(err) && !session.connected) this.stop(EXIT.connection);
        else this.stop(exitStatusOf(err));
        queue.clear();
      },
    });
    session.on('fatal', (err) => {
      ended = true;
      this.stop(exitStatusOf(err));
      queue.clear();
    });
    this.output.whenGone(() => {
      // `| head -1`: the reader has seen enough; end as politely as a finished script.
      session.transcript?.note('stdout closed by its reader: script stopped');
      this.stop(this.status);
      queue.clear();
    });
    session.on('closed', () => {
      // Lines not sent yet, or a command still waiting for its reply, failed.
      if (!session.quitting && (queue.length > 0 || session.adapter.pending > 0)) {
        // Which lines never went out, quoted masked as the echo shows them (issue 21 item 3).
        const first = queue.firstUnsent();
        if (first) {
          const at = lineName(first.number);
          const more = queue.length - 1;
          const note = `not sent (${at}: ${first.quoted})${more > 0 ? `, nor the ${more} line${more === 1 ? '' : 's'} after it` : ''}`;
          this.output.printError(renderNote('error', note));
          session.transcript?.note(`error ${note}`);
        }
        this.stop(EXIT.connection);
        queue.clear();
      }
    });
    initial.forEach((line) => queue.push(line));
    try {
      await this.feed(source, (line) => {
        if (!this.stopped) queue.push(line);
      });
    } catch (err) {
      // Input mailsh will not send (not UTF-8): the lines before it were sent, none after.
      this.output.printError(renderNote('error', (err as Error).message));
      session.transcript?.note(`error ${(err as Error).message}`);
      this.stop(exitStatusOf(err));
      queue.clear();
    }
    await queue.drained();
    queue.ended();
    // Input that ends inside DATA or a literal: the goodbye cannot go out, and the run failed.
    if (session.connected && session.adapter.unfinished) this.dropped = true;
    if (!this.stopped && session.connected) {
      try {
        await session.settled();
      } catch (err) {
        this.output.printError(renderNote('error', (err as Error).message));
        session.transcript?.note(`error ${(err as Error).message}`);
        this.stop(exitStatusOf(err));
      }
    }
    // A refusal of the goodbye mailsh sends itself is no failure of the script's commands.
    const failures = this.failed.count;
    await session.quit();
    if (this.status === EXIT.ok && (failures > 0 || this.dropped)) return EXIT.commandFailed;
    return this.status;
  }

  /** The first error decides the exit status; later lines are not run. */
  private stop(status: ExitStatus): void {
    if (this.stopped) return;
    this.stopped = true;
    this.status = status;
    this.endFeed?.();
  }

  private feed(source: ScriptSource, push: (line: string) => void): Promise<void> {
    if ('lines' in source) {
      source.lines.forEach(push);
      return Promise.resolve();
    }
    const splitter = new InputLineSplitter();
    const utf8 = new StrictUtf8('standard input');
    return new Promise((resolve, reject) => {
      this.endFeed = resolve;
      const fail = (err: unknown): void => {
        source.stream.pause();
        reject(err);
      };
      source.stream.on('data', (chunk: Buffer) => {
        try {
          splitter.push(utf8.decode(chunk, true)).forEach(push);
        } catch (err) {
          fail(err);
        }
      });
      source.stream.on('end', () => {
        try {
          splitter.push(utf8.decode(new Uint8Array(0))).forEach(push);
        } catch (err) {
          fail(err);
          return;
        }
        splitter.end().forEach(push);
        resolve();
      });
      source.stream.on('error', fail);
    });
  }
}
