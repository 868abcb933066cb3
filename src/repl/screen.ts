import type { Interface } from 'node:readline';

/**
 * The two readline internals the REPL must touch, in one place (node:readline
 * does not export them; both have been stable since Node 10).
 */
interface Internals {
  /**
   * The cursor's row below the prompt's first row, which readline goes up
   * by to redraw: after the REPL clears or the terminal reflows the input,
   * it must be told where the cursor now is.
   */
  prevRows?: number;
  /** The in-memory history, newest first (what Up brings back). */
  history: string[];
}

const internals = (rl: Interface): Internals => rl as unknown as Internals;

/** The row readline believes the cursor is on, below the input's first. */
export function redrawRows(rl: Interface): number {
  return internals(rl).prevRows ?? 0;
}

/** Tells readline the row the cursor is really on (0: the prompt's own row). */
export function setRedrawRows(rl: Interface, rows: number): void {
  internals(rl).prevRows = rows;
}

/** Takes `line` out of readline's in-memory history (a secret Up must not bring back). */
export function forgetHistoryLine(rl: Interface, line: string): void {
  const history = internals(rl).history;
  const i = history.indexOf(line);
  if (i >= 0) history.splice(i, 1);
}
