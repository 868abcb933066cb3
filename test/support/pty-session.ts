/**
 * Runs the built CLI in a real pseudo-terminal (node-pty) so tests see what a
 * user sees: readline in terminal mode, colour, prompt redraws, Ctrl-C/Ctrl-D.
 *
 * Every session gets its own temp XDG_STATE_HOME and HOME, so the user's
 * history is never read or written. A registry keeps every live pty: call
 * killAllPtys() from an after() hook, since a live pty child keeps
 * `node --test` from exiting.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as pty from 'node-pty';
import xterm from '@xterm/headless';
import unicode11 from '@xterm/addon-unicode11';

/** dist/test/support → the project root, whose dist/src/cli/bin.js is the CLI. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CLI = join(ROOT, 'dist', 'src', 'cli', 'bin.js');

/** CSI, OSC (BEL or ST terminated), and the other two-byte ESC sequences. */
const ANSI_RE = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI_RE, '');
}

const TOKEN_RE = /\x1b\[([0-?]*)[ -\/]*([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]|\r|\n|[^\x1b\r\n]/gu;

/**
 * What a terminal `cols` wide would show for `raw`: a tiny emulation of what
 * readline and mailsh use (CR, LF, cursor up/down/left/right, cursor to
 * column, erase to end of screen/line, printable text with the deferred
 * autowrap of xterm). Colour and other sequences are ignored; there is no
 * scrolling limit, so rows are the whole history from the top.
 */
export function renderScreen(raw: string, cols = 100): { lines: string[]; row: number; col: number } {
  const rows: string[][] = [[]];
  let r = 0;
  let c = 0;
  let pendingWrap = false;
  const at = (i: number): string[] => {
    while (rows.length <= i) rows.push([]);
    return rows[i];
  };
  for (const m of raw.matchAll(TOKEN_RE)) {
    const token = m[0];
    if (token === '\r') c = 0;
    else if (token === '\n') at(++r);
    else if (m[2] !== undefined) {
      const n = Number(m[1] || '1');
      const erase = m[1] === '' || m[1] === '0';
      if (m[2] === 'A') r = Math.max(0, r - n);
      else if (m[2] === 'B') at((r += n));
      else if (m[2] === 'C') c = Math.min(cols - 1, c + n);
      else if (m[2] === 'D') c = Math.max(0, c - n);
      else if (m[2] === 'G') c = Math.min(cols - 1, n - 1);
      else if (m[2] === 'J' && erase) {
        at(r).length = Math.min(at(r).length, c);
        rows.length = r + 1;
      } else if (m[2] === 'K' && erase) at(r).length = Math.min(at(r).length, c);
    } else if (!token.startsWith('\x1b')) {
      if (pendingWrap) {
        r++;
        c = 0;
      }
      const line = at(r);
      while (line.length < c) line.push(' ');
      line[c] = token;
      pendingWrap = c === cols - 1;
      if (!pendingWrap) c++;
      continue;
    }
    pendingWrap = false;
  }
  return { lines: rows.map((l) => l.join('')), row: r, col: c };
}

/** The text of the terminal row the cursor is on (see renderScreen). */
export function currentLine(raw: string, cols = 100): string {
  const screen = renderScreen(raw, cols);
  return screen.lines[screen.row];
}

export interface PtyOptions {
  /** Extra environment (e.g. NO_COLOR); values of undefined are left out. */
  env?: Record<string, string | undefined>;
  cols?: number;
  rows?: number;
  /**
   * Runs mailsh inside `bash -c`: given the shell-quoted mailsh command, returns
   * the script (e.g. to see what a shell reads after mailsh has exited).
   */
  shell?: (mailsh: string) => string;
}

/** Single-quotes a word for sh. */
function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface PtySession {
  /** Writes keystrokes to the terminal (use '\r' for Enter, '\x03' for Ctrl-C). */
  type(text: string): void;
  /**
   * Types printable `text` one key at a time, as a person does, waiting after
   * each key until the screen shows the text typed so far after the prompt
   * (one write of several characters is a paste to readline, which redraws
   * differently). The text must not contain "> ".
   */
  typeByKey(text: string, timeoutMs?: number): Promise<void>;
  /**
   * Resolves with the stripped screen text once it contains `what` (looking
   * only at output after raw offset `since`, see mark()); rejects after
   * `timeoutMs` showing the last 2000 characters of the screen.
   */
  waitFor(what: string | RegExp, timeoutMs?: number, since?: number): Promise<string>;
  /**
   * Resolves once the cursor's line (see currentLine) equals `what` or matches
   * it; redraws come in several chunks, so tests wait rather than read it once.
   */
  waitForLine(what: string | RegExp, timeoutMs?: number): Promise<string>;
  /** A position in the raw output: pass it to waitFor/screen to look only at what comes after. */
  mark(): number;
  /** Everything written to the terminal so far, ANSI escape sequences stripped. */
  screen(since?: number): string;
  /** Everything written to the terminal so far, as is. */
  raw(since?: number): string;
  /** The cursor's row as the terminal shows it now (redraws applied, see renderScreen). */
  currentLine(): string;
  /** Every row the terminal shows now, from the top (see renderScreen). */
  screenLines(): string[];
  /**
   * What a real terminal (xterm.js, headless) shows once every byte so far is
   * drawn: every row from the top of the scrollback, trailing blanks trimmed.
   * Wide characters take two cells, combining marks none, as on screen.
   */
  rendered(): Promise<string[]>;
  /** For each row of rendered(): whether the terminal wrapped the row before it onto it (the text was too wide). */
  wrapped(): Promise<boolean[]>;
  /** Resolves with rendered() once `found` holds for it (re-checked as output comes). */
  waitForRendered(found: (rows: string[]) => boolean, what: string, timeoutMs?: number): Promise<string[]>;
  /**
   * Types `text` one key (code point) at a time, each once the rendered input
   * line ends with what was typed so far: readline's own echo, wide characters and all.
   */
  typeKeys(text: string, timeoutMs?: number): Promise<void>;
  /** Writes `text` at once (a paste, an input method's commit) and waits for its rendered echo. */
  typeChunk(text: string, timeoutMs?: number): Promise<void>;
  /** Resizes the window (the pty sends SIGWINCH; the emulator reflows like tmux or VTE); resolves once mailsh has redrawn for it. */
  resize(cols: number, rows: number): Promise<void>;
  /** The exit code once the process has ended. */
  readonly exited: Promise<number>;
  /** Whether the process is still running. */
  readonly alive: boolean;
  kill(): void;
}

const live = new Set<PtySession>();

/** Kills every pty still running (for after() hooks). */
export function killAllPtys(): void {
  for (const s of [...live]) s.kill();
}

export function spawnCli(args: string[], opts: PtyOptions = {}): PtySession {
  const home = mkdtempSync(join(tmpdir(), 'mailsh-pty-'));
  // A controlled environment: nothing from the runner (NO_COLOR, FORCE_COLOR,
  // NODE_TEST_CONTEXT, NODE_OPTIONS) leaks into the CLI unless a test asks.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_STATE_HOME: join(home, 'state'),
    TERM: 'xterm-256color',
    LANG: 'C.UTF-8',
  };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  let cols = opts.cols ?? 100;
  const mailsh = [process.execPath, CLI, ...args];
  const [file, ...argv] = opts.shell ? ['bash', '-c', opts.shell(mailsh.map(shellQuote).join(' '))] : mailsh;
  const term = pty.spawn(file, argv, {
    name: 'xterm-256color',
    cols,
    rows: opts.rows ?? 30,
    cwd: ROOT,
    env,
  });
  // Terminals people use (tmux, VTE, kitty, iTerm2) reflow the cursor's line
  // on resize too, and take emoji as two cells (Unicode 11 widths, not 6).
  const emulator = new xterm.Terminal({ cols, rows: opts.rows ?? 30, scrollback: 10_000, allowProposedApi: true, reflowCursorLine: true });
  emulator.loadAddon(new unicode11.Unicode11Addon());
  emulator.unicode.activeVersion = '11';

  let out = '';
  let alive = true;
  const waiters = new Set<() => void>();
  const notify = (): void => {
    for (const w of [...waiters]) w();
  };
  term.onData((data) => {
    out += data;
    emulator.write(data);
    notify();
  });
  const exited = new Promise<number>((resolveExit) => {
    term.onExit(({ exitCode }) => {
      alive = false;
      live.delete(session);
      rmSync(home, { recursive: true, force: true });
      notify();
      resolveExit(exitCode);
    });
  });

  const tail = (): string => stripAnsi(out).slice(-2000);

  /** The input line as shown: the rows from the last prompt ("…> ") down to the cursor, joined. */
  const shownInput = (): string => {
    const screen = renderScreen(out, cols);
    let top = screen.row;
    while (top > 0 && !screen.lines[top].includes('> ')) top--;
    return screen.lines.slice(top, screen.row + 1).join('');
  };

  /** Resolves once `found()` holds, re-checked on every chunk of output. */
  const until = (found: () => boolean, timeoutMs: number, what: string): Promise<void> =>
    new Promise((resolveWait, reject) => {
      if (found()) return resolveWait();
      const check = (): void => {
        if (found()) {
          done();
          resolveWait();
        } else if (!alive) {
          done();
          reject(new Error(`process exited before ${what}; last screen:\n${tail()}`));
        }
      };
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last screen:\n${tail()}`));
      }, timeoutMs);
      waiters.add(check);
    });

  const drawn = (): Promise<void> => new Promise((resolveDrawn) => emulator.write('', resolveDrawn));
  const rendered = async (): Promise<string[]> => {
    await drawn();
    const buffer = emulator.buffer.active;
    const rows: string[] = [];
    for (let i = 0; i < buffer.length; i++) rows.push(buffer.getLine(i)?.translateToString(true) ?? '');
    while (rows.length > 0 && rows.at(-1) === '') rows.pop();
    return rows;
  };
  /** The logical line the cursor is on (its wrapped rows joined), as rendered. */
  const renderedInput = async (): Promise<string> => {
    await drawn();
    const buffer = emulator.buffer.active;
    let row = buffer.baseY + buffer.cursorY;
    let text = buffer.getLine(row)?.translateToString(true) ?? '';
    while (row > 0 && buffer.getLine(row)?.isWrapped) text = (buffer.getLine(--row)?.translateToString(true) ?? '') + text;
    return text;
  };
  /** Resolves once the rendered input line ends with `typed`. */
  const echoed = async (typed: string, timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    // Combining marks join the character before them in a cell, a tab becomes blank cells.
    const bare = (t: string): string => t.normalize('NFC').replace(/\p{M}/gu, '').replace(/\s+/g, ' ').trimEnd();
    while (!bare(await renderedInput()).endsWith(bare(typed))) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for the echo of ${JSON.stringify(typed)}; input line: ${JSON.stringify(await renderedInput())}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const waitForRendered = async (found: (rows: string[]) => boolean, what: string, timeoutMs = 5000): Promise<string[]> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rows = await rendered();
      if (found(rows)) return rows;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; rendered screen:\n${rows.slice(-40).join('\n')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  const session: PtySession = {
    type(text) {
      term.write(text);
    },
    async typeByKey(text, timeoutMs = 5000) {
      let typed = '';
      for (const key of text) {
        typed += key;
        term.write(key);
        // readline writes one space past a line that ends at the right margin.
        await until(() => shownInput().endsWith(typed) || shownInput().endsWith(`${typed} `), timeoutMs, `the echo of ${JSON.stringify(typed)}`);
      }
    },
    waitFor(what, timeoutMs = 5000, since = 0) {
      const found = (): boolean => {
        const text = stripAnsi(out.slice(since));
        return typeof what === 'string' ? text.includes(what) : what.test(text);
      };
      return until(found, timeoutMs, String(what)).then(() => stripAnsi(out.slice(since)));
    },
    waitForLine(what, timeoutMs = 5000) {
      const found = (): boolean => {
        const line = currentLine(out, cols);
        return typeof what === 'string' ? line === what : what.test(line);
      };
      return until(found, timeoutMs, `the cursor line to be ${typeof what === 'string' ? JSON.stringify(what) : String(what)} (now ${JSON.stringify(currentLine(out, cols))})`).then(() =>
        currentLine(out, cols),
      );
    },
    mark: () => out.length,
    screen: (since = 0) => stripAnsi(out.slice(since)),
    raw: (since = 0) => out.slice(since),
    currentLine: () => currentLine(out, cols),
    screenLines: () => renderScreen(out, cols).lines,
    rendered,
    async wrapped() {
      const rows = await rendered();
      const buffer = emulator.buffer.active;
      return rows.map((_, i) => buffer.getLine(i)?.isWrapped ?? false);
    },
    waitForRendered,
    async typeKeys(text, timeoutMs = 5000) {
      let typed = '';
      for (const key of text) {
        typed += key;
        term.write(key);
        await echoed(typed, timeoutMs);
      }
    },
    async typeChunk(text, timeoutMs = 5000) {
      term.write(text);
      await echoed(text, timeoutMs);
    },
    async resize(newCols, newRows) {
      await drawn();
      cols = newCols;
      emulator.resize(newCols, newRows);
      const before = out.length;
      term.resize(newCols, newRows);
      // mailsh redraws its input for the new size; a redraw made for this size
      // that arrived after a next resize would be drawn at the wrong width
      // (a race every program has on a real terminal too), so wait for it.
      await until(() => out.length > before, 5000, `the redraw after resizing to ${newCols}x${newRows}`);
      // The redraw may come in more than one chunk: it is over once output pauses.
      for (let seen = -1; seen !== out.length; ) {
        seen = out.length;
        await new Promise((r) => setTimeout(r, 50));
      }
      await drawn();
    },
    exited,
    get alive() {
      return alive;
    },
    kill() {
      if (!alive) return;
      try {
        term.kill();
      } catch {
        // Already gone.
      }
    },
  };
  live.add(session);
  return session;
}
