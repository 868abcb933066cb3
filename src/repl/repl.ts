import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { EXIT, UsageError, exitStatusOf, type ExitStatus } from '../errors.js';
import { hasSecret } from '../protocol/outgoing.js';
import { InputQueue } from '../session/input-queue.js';
import { isMetaCommand } from '../session/meta-line.js';
import type { NoteLevel, Session, SessionOutput } from '../session/session.js';
import { appendHistory, loadHistory } from './history.js';
import { maskedMetaLine, runMetaCommand, type FrontEndOptions } from './meta-commands.js';
import type { MetaContext } from './meta-context.js';
import { MutableOutput } from './mutable-output.js';
import { complete } from './completion.js';
import { BRACKETED_PASTE_OFF, BRACKETED_PASTE_ON, PasteInspector } from '../text/control-bytes.js';
import { promptFor } from './prompt.js';
import { forgetHistoryLine, redrawRows, setRedrawRows } from './screen.js';
import { renderLocal, renderNote, renderSent, renderServerLine } from './render.js';
import { progressLine } from './progress.js';

export interface ReplOptions extends FrontEndOptions {
  input: Readable;
  output: Writable & { columns?: number };
  /** The history file for a protocol (known once connected). */
  historyFile?: (protocol: string) => string;
}

/**
 * The interactive front end (SPEC §3): node:readline with the prompt built
 * from state, server output written above the prompt without destroying the
 * half-typed line, Ctrl-C / Ctrl-D as specified, and a history that never
 * holds credentials.
 */
export class Repl {
  private rl: Interface | undefined;
  private queue!: InputQueue;
  private finished!: (status: ExitStatus) => void;
  private status: ExitStatus = EXIT.ok;
  private quitting = false;
  /** Quitting was asked inside DATA or a literal and told how to finish: asking again drops the connection. */
  private dropArmed = false;
  private session!: Session;
  /** readline writes through this, so its echo can be muted for hidden input. */
  private readonly screen: MutableOutput;
  /** The question being answered (hidden while the screen is muted), and how to cancel it. */
  private asking: { prompt: string; cancel: AbortController } | undefined;
  /** The rows the input took below its first one when Enter was pressed (readline resets them before 'line'). */
  private enterRows = 0;
  /** Control characters pasted into the lines typed. */
  private readonly pastes = new PasteInspector();
  /** A meta command (a helper such as /append or /send) holds the input queue. */
  private helperRunning = false;

  constructor(private readonly opts: ReplOptions) {
    this.screen = new MutableOutput(opts.output);
  }

  /** The SessionOutput that renders above the prompt. */
  readonly output: SessionOutput = {
    server: (line, view) => this.show(renderServerLine(line, view)),
    sent: (out) => this.show(renderSent(out)),
    note: (level: NoteLevel, text: string) => this.show(renderNote(level, text)),
    stateChanged: () => this.refreshPrompt(),
  };

  /** Runs until the user quits or the connection ends. */
  run(session: Session): Promise<ExitStatus> {
    this.session = session;
    const output = this.opts.output;
    const done = new Promise<ExitStatus>((resolve) => (this.finished = resolve));
    const ctx: MetaContext = {
      session,
      print: (text) => this.show(renderLocal(text)),
      setLog: this.opts.setLog,
      // `/quit` runs inside the input queue: waiting for the queue to drain would wait for itself.
      quit: () => this.quit(false),
      progress: (n, total) => this.progress(n, total),
      askSecret: (prompt) => this.askSecret(prompt),
      confirm: async (question) => /^y(es)?$/i.test((await this.question(`${question} [y/N] `, false)).trim()),
      insecureAuth: this.opts.insecureAuth ?? false,
      defaultUser: this.opts.defaultUser,
      get columns() {
        return output.columns;
      },
    };
    this.queue = new InputQueue(session, 'interactive', {
      meta: async (line) => {
        this.helperRunning = true;
        try {
          await runMetaCommand(line, ctx);
        } finally {
          this.helperRunning = false;
        }
      },
      askSecret: ctx.askSecret,
      defaultUser: this.opts.defaultUser,
      onError: (err) => this.show(renderNote('error', err instanceof Error ? err.message : String(err))),
      onSent: (line, out, command) => this.remember(line, command && !hasSecret(out)),
    });
    this.historyFile = this.opts.historyFile?.(session.protocol);
    const history = this.historyFile ? loadHistory(this.historyFile, 1000) : [];
    // Before readline sees the bytes (it drops or obeys control characters):
    // note what a paste carried, line by line.
    this.opts.input.on('data', (data: Buffer | string) => this.pastes.inspect(String(data)));
    // Before readline redraws for a new window width: terminals (tmux, VTE,
    // kitty, iTerm2) reflow the input to the new width, so the cursor now sits
    // as many rows below the input's first as the new width puts it, not the
    // old; readline would go up the old count and leave stale prompt rows.
    this.screen.on('resize', () => {
      if (this.rl) setRedrawRows(this.rl, this.rl.getCursorPos().rows);
    });
    const rl = createInterface({
      input: this.opts.input,
      output: this.screen,
      terminal: true,
      history,
      historySize: 1000,
      removeHistoryDuplicates: true,
      prompt: promptFor(session),
      completer: (line: string) => complete(line, session.adapter),
    });
    this.rl = rl;
    // readline closes itself on Ctrl-D (on an empty line) and at the end of
    // input, and a closed readline cannot be reopened; but quitting inside
    // DATA must keep the prompt. So those closes ask to quit, and finish()
    // closes readline.
    const close = rl.close.bind(rl);
    rl.close = () => {
      if (this.rl !== rl) return close();
      this.asking?.cancel.abort();
      void this.quit();
    };
    // Before readline handles Enter: how far down the line it is about to end reaches.
    this.opts.input.prependListener('keypress', (_s: string | undefined, key: { name?: string } | undefined) => {
      if (key?.name === 'return' || key?.name === 'enter') this.enterRows = this.endRows();
    });
    // After readline has handled each key (it listens first).
    this.opts.input.on('keypress', () => this.syncRows());
    rl.on('line', (line) => this.onLine(line));
    rl.on('SIGINT', () => {
      // Ctrl-C cancels a hidden prompt, clears a half-typed line, and on an
      // empty line quits politely. Whatever was pasted into the line is gone.
      this.pastes.clearLine();
      if (this.asking) {
        this.asking.cancel.abort();
      } else if (rl.line !== '') {
        rl.write(null, { ctrl: true, name: 'e' });
        rl.write(null, { ctrl: true, name: 'u' });
      } else if (this.quitting) {
        // Quitting waits (at most 5 s a step); a second Ctrl-C does not.
        this.drop('second Ctrl-C');
      } else {
        void this.quit();
      }
    });
    rl.on('close', () => {
      this.rl = undefined;
      // Wipe the prompt line, so that what follows (the QUIT echo, the shell's
      // own prompt) does not start after a stale `smtp> ` / `(closed)> `.
      const rows = rl.getCursorPos().rows;
      this.opts.output.write(`\r${rows > 0 ? `\x1b[${rows}A` : ''}\x1b[J${BRACKETED_PASTE_OFF}`);
    });
    session.on('fatal', (err) => (this.status = exitStatusOf(err)));
    session.on('closed', () => this.finish());
    // Pastes arrive marked, so their control characters are told from keys.
    this.opts.output.write(BRACKETED_PASTE_ON);
    rl.prompt();
    this.opts.initialLines?.forEach((line) => this.queue.push(line));
    return done;
  }

  private onLine(line: string): void {
    const rl = this.rl;
    if (this.ending(line)) return;
    // Lines typed while the goodbye is under way are not sent.
    if (this.quitting) return;
    this.dropArmed = false;
    const pasted = this.pastes.takeLine();
    if (pasted.length > 0) {
      // readline has already dropped them, so the line is not what was pasted.
      this.show(renderNote('error', `the pasted line held control characters (${pasted.join(' ')}) that a terminal cannot pass on: not sent; /bytes sends exact bytes (\\xNN escapes)`));
      return;
    }
    const meta = isMetaCommand(line, this.session.adapter);
    const masked = meta ? maskedMetaLine(line) : undefined;
    // Replace the typed line with the echo of what is actually sent (or the
    // meta command with its password hidden), which also wipes a password
    // typed in clear from the screen.
    if (rl && (!meta || masked) && this.opts.output.columns) {
      // Enter left the cursor one row below the line's last.
      this.opts.output.write(`\x1b[${this.enterRows + 1}A\r\x1b[J`);
    }
    if (masked) {
      this.forget(line);
      this.show(`${rl?.getPrompt() ?? ''}${masked}`);
    }
    if (!this.session.connected) {
      this.show(renderNote('error', 'not connected: the line was not sent'));
      return;
    }
    this.queue.push(line);
  }

  /**
   * `/close` and `/quit` do not queue behind a helper (`/append`, `/send`)
   * or a reply that may never come (a `+`, a 354): there they would wait
   * for a server that stopped answering or reading (issue 21 item 9).
   * Inside DATA or a literal typed by hand they are data, as always.
   */
  private ending(line: string): boolean {
    const m = /^\/(close|quit)\s*$/i.exec(line);
    const stuck = this.helperRunning || (this.session.adapter.metaAllowed && !this.session.accepting);
    if (!m || !stuck) return false;
    if (m[1].toLowerCase() === 'close') this.drop('/close');
    else void this.quit();
    return true;
  }

  /** Drops the connection at once, whatever is under way; the lines not sent yet go with it. */
  private drop(why: string): void {
    this.quitting = true;
    this.dropTyped(why);
    this.show(renderNote('info', `${why}: closing the connection without a goodbye`));
    void this.session.close().then(() => this.finish());
  }

  /** Forgets the lines typed ahead and not sent, saying how many. */
  private dropTyped(why: string): void {
    const left = this.queue.waiting;
    this.queue.clear();
    if (left === 0) return;
    this.session.noteLine('warn', `quitting: ${left} typed line${left === 1 ? '' : 's'} not sent (${why})`);
  }

  /** A password or token: MAILSH_PASSWORD, else a hidden prompt. */
  private askSecret(prompt: string): Promise<string> {
    if (this.opts.envPassword !== undefined) return Promise.resolve(this.opts.envPassword);
    return this.question(prompt, true);
  }

  /**
   * A question above the input line. Hidden (SPEC §8): readline keeps
   * reading, so type-ahead and server output keep flowing, but its echo is
   * muted until Enter. Ctrl-C cancels it.
   */
  private question(prompt: string, hidden: boolean): Promise<string> {
    const rl = this.rl;
    if (!rl) return Promise.reject(new UsageError(`no terminal to ask: ${prompt.trim()}`));
    const cancel = new AbortController();
    this.asking = { prompt, cancel };
    return new Promise<string>((resolve, reject) => {
      const done = (): void => {
        this.screen.muted = false;
        this.asking = undefined;
        // readline's own line end was muted with the rest.
        if (hidden) this.opts.output.write('\r\n');
      };
      cancel.signal.addEventListener('abort', () => {
        done();
        reject(new UsageError('cancelled: nothing was sent'));
      });
      rl.question(prompt, { signal: cancel.signal }, (answer) => {
        done();
        this.pastes.takeLine();
        // readline put the answer into its history; a secret never stays there.
        this.forget(answer);
        resolve(answer);
      });
      this.screen.muted = hidden;
    });
  }

  /** Writes a line above the prompt and redraws the prompt with what was typed. */
  private show(text: string): void {
    const rl = this.rl;
    if (!rl) {
      this.opts.output.write(`${text}\n`);
      return;
    }
    if (this.asking && this.screen.muted) {
      // Nothing typed is on screen: redraw just the question.
      this.opts.output.write(`\r\x1b[J${text}\n${this.asking.prompt}`);
      return;
    }
    // readline redraws its prompt (the question, while one is asked) with what was typed so far.
    const rows = rl.getCursorPos().rows;
    this.opts.output.write(`\r${rows > 0 ? `\x1b[${rows}A` : ''}\x1b[J${text}\n`);
    // After we clear the line ourselves readline's redraw must start over.
    setRedrawRows(rl, 0);
    rl.prompt(true);
  }

  /**
   * The row the input's end is on, below its first: readline measures it
   * (the runtime's display widths: wide CJK and emoji, combining marks,
   * tabs, a wide character wrapped early at the margin), moving the cursor
   * to the end first as Enter itself is about to.
   */
  private endRows(): number {
    const rl = this.rl;
    if (!rl) return 0;
    if (rl.cursor < rl.line.length) rl.write(null, { name: 'end' });
    return rl.getCursorPos().rows;
  }

  /**
   * A chunk of several characters (a paste, an input method's commit, tmux
   * send-keys) is echoed by readline without its bookkeeping: the terminal
   * wraps the text, but readline's `prevRows` stays where it was, and a line
   * filling the last column leaves the terminal waiting to wrap. Bring both
   * in line with where readline puts the cursor, so that every later erase
   * and redraw starts from the input's first row.
   */
  private syncRows(): void {
    const rl = this.rl;
    if (!rl) return;
    const { rows, cols } = rl.getCursorPos();
    if (rows === redrawRows(rl)) return;
    if (cols === 0 && rl.cursor === rl.line.length) this.screen.write(' \b');
    setRedrawRows(rl, rows);
  }

  private refreshPrompt(): void {
    const rl = this.rl;
    if (!rl || this.asking) return;
    rl.setPrompt(promptFor(this.session));
    rl.prompt(true);
  }

  private lastProgress = -1;
  private historyFile: string | undefined;

  private progress(done: number, total: number): void {
    const percent = total === 0 ? 100 : Math.floor((done * 100) / total);
    if (total < 1024 * 1024 || percent === this.lastProgress) return;
    this.lastProgress = percent;
    this.show(progressLine(done, total));
  }

  /**
   * History keeps command lines whose wire form had no secret (SPEC §9):
   * never message text, literal data or SASL responses.
   */
  private remember(line: string, keep: boolean): void {
    if (!keep) this.forget(line);
    else if (this.historyFile) appendHistory(this.historyFile, line);
  }

  /** Takes a line with a secret out of readline's in-memory history (Up would bring it back). */
  private forget(line: string): void {
    if (this.rl) forgetHistoryLine(this.rl, line);
  }

  /**
   * Ctrl-D, Ctrl-C on an empty line, `/quit` (SPEC §3): lines typed ahead go
   * first (for a while), then the session finishes its state and says
   * goodbye. Inside DATA or a literal it says how to finish instead; asked
   * again, it drops the connection.
   */
  private async quit(drain = true): Promise<void> {
    if (this.quitting) return;
    this.quitting = true;
    // Asked again after being told how to finish: the connection goes now.
    if (drain && !this.dropArmed) await this.typedAheadSent();
    const unfinished = this.session.connected ? this.session.adapter.unfinished : undefined;
    // At the end of input (the terminal went away) nothing could finish it;
    // nor can the user finish a literal or DATA a helper (/append, /send) was sending.
    if (unfinished && !this.dropArmed && !this.helperRunning && !this.opts.input.readableEnded) {
      this.dropArmed = true;
      this.quitting = false;
      this.show(renderNote('info', `${unfinished.state}: ${unfinished.finish}; Ctrl-D again drops the connection without sending it`));
      return;
    }
    await this.session.quit();
    this.finish();
  }

  /** Waits a while for typed-ahead lines to go out; what is left is dropped, with a note. */
  private async typedAheadSent(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.session.goodbyeMs)));
    await Promise.race([this.queue.drained(), late]);
    clearTimeout(timer);
    this.dropTyped(`no reply within ${this.session.goodbyeMs / 1000}s`);
  }

  private finish(): void {
    if (this.rl) {
      const rl = this.rl;
      this.rl = undefined;
      rl.close();
    }
    this.finished(this.status);
  }
}
