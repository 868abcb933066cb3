/** The clock the waits read; tests hand in their own to run timeouts without sleeping. */
export interface Clock {
  now(): number;
  /** Calls `fn` after `ms` without keeping the process alive; returns the cancel. */
  setTimeout(fn: () => void, ms: number): () => void;
}

const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    // Unref'd: while anything waits, the connection keeps the process alive.
    const timer = setTimeout(fn, ms).unref();
    return () => clearTimeout(timer);
  },
};

/** A caller of `until` waiting for its condition. */
interface Waiter {
  ready: () => boolean;
  resolve: () => void;
  reject: (err: Error) => void;
  /** Time allowed (ms) since the wait began or literal data last arrived; 0 waits for ever. */
  timeoutMs: number;
  since: number;
}

/**
 * A session's waits for server progress, and the one watchdog that times
 * them out. The timeout counts from the start or from the last literal
 * data: a literal still streaming in (a 1 GB FETCH) never times out, endless
 * untagged lines or a slow drip do. One watchdog timer serves every wait, so
 * a script of thousands of commands costs no timer operations per command.
 */
export class Waits {
  private readonly waiters = new Set<Waiter>();
  /**
   * When the server last sent literal or body data: a long download that keeps
   * coming is no timeout, but endless untagged lines or a slow drip that
   * never completes a reply still are.
   */
  private lastProgress = 0;
  private cancelWatchdog: (() => void) | undefined;
  /** When the watchdog fires, Infinity when it is not armed. */
  private watchdogAt = Infinity;
  /** A wait ran out of time and the server has said nothing since (the session clears it on server bytes). */
  timedOut = false;

  constructor(
    /** Whether the connection is still open: a close resolves every wait. */
    private readonly open: () => boolean,
    /** The error for a wait that ran out of time. */
    private readonly timeoutError: (timeoutMs: number) => Error,
    private readonly clock: Clock = SYSTEM_CLOCK,
  ) {}

  /** Waits for a condition re-checked on each `progressed`, or for the close; 0 ms waits for ever. */
  until(ready: () => boolean, timeoutMs: number): Promise<void> {
    if (ready() || !this.open()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const since = this.clock.now();
      this.waiters.add({ ready, resolve, reject, timeoutMs, since });
      if (timeoutMs > 0) this.armWatchdog(since + timeoutMs);
    });
  }

  /** Literal data or a streaming body (POP3 RETR) arrived: the timeouts count from now. */
  dataArrived(): void {
    this.lastProgress = this.clock.now();
  }

  /** Server bytes arrived or the state changed: resolve the waits that are ready. */
  progressed(): void {
    for (const w of this.waiters) {
      if (!w.ready() && this.open()) continue;
      this.waiters.delete(w);
      w.resolve();
    }
  }

  private armWatchdog(at: number): void {
    if (at >= this.watchdogAt) return;
    this.cancelWatchdog?.();
    this.watchdogAt = at;
    this.cancelWatchdog = this.clock.setTimeout(() => this.watch(), Math.max(0, at - this.clock.now()));
  }

  /** Fails the waits whose timeout passed since they began or since the last literal data; re-arms for the rest. */
  private watch(): void {
    this.watchdogAt = Infinity;
    const now = this.clock.now();
    let next = Infinity;
    for (const w of this.waiters) {
      if (w.timeoutMs <= 0) continue;
      const deadline = Math.max(w.since, this.lastProgress) + w.timeoutMs;
      if (deadline > now) {
        next = Math.min(next, deadline);
        continue;
      }
      this.waiters.delete(w);
      this.timedOut = true;
      w.reject(this.timeoutError(w.timeoutMs));
    }
    if (next < Infinity) this.armWatchdog(next);
  }
}
