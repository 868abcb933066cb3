/** Peak memory of a running process, for the volume tests of issue 7. */
import { readFileSync } from 'node:fs';

/**
 * The peak resident set size (VmHWM, bytes) of process `pid` from
 * /proc/PID/status, or undefined once the process is gone.
 */
export function peakRss(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Tracks the highest peak seen over several samples of one process. */
export class RssProbe {
  max = 0;
  samples = 0;

  constructor(private readonly pid: number) {}

  sample(): void {
    const rss = peakRss(this.pid);
    if (rss === undefined) return;
    this.samples++;
    this.max = Math.max(this.max, rss);
  }
}
