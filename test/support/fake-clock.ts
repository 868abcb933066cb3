/** A clock for Session's waits (src/session/waits.ts) that moves only when a test says. */
import type { Clock } from '../../src/session/waits.js';

export class FakeClock implements Clock {
  private t = 1_000_000;
  private readonly timers = new Set<{ at: number; fn: () => void }>();

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): () => void {
    const timer = { at: this.t + ms, fn };
    this.timers.add(timer);
    return () => this.timers.delete(timer);
  }

  /** Moves time on by `ms`, firing the timers that fall due, in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = [...this.timers].filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers.delete(due);
      this.t = due.at;
      due.fn();
    }
    this.t = end;
  }
}
