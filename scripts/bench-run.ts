/**
 * Runs one client process for `npm run bench`: times it from exec, notices
 * when a text first appears on its standard output, and follows its peak
 * resident memory through /proc/PID/status (VmHWM), so no product code needs
 * a hook for it.
 */
import { spawn } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { performance } from 'node:perf_hooks';

export interface RunSpec {
  cmd: string;
  args: string[];
  /** A file for standard input; /dev/null if not given. */
  stdin?: string;
  /** Resolve `seenMs` when standard output first contains this (stdout is then a pipe, else /dev/null). */
  waitFor?: string;
  /** Stop the process once `waitFor` was seen (for tools that would wait for more input). */
  killWhenSeen?: boolean;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /**
   * Follow peak memory by polling /proc every few ms: only where it is
   * reported, since the polling wakes the bench process, which hosts the
   * servers, and so adds to what is measured.
   */
  trackRss?: boolean;
}

export interface RunResult {
  /** Exec to exit (ms). */
  wallMs: number;
  /** Exec to `waitFor` on standard output (ms). */
  seenMs?: number;
  /** Peak resident set size (KiB), last read from /proc before the exit; 0 without trackRss. */
  peakRssKb: number;
  /** A span the runner timed itself inside the run (ms), e.g. one command to its reply. */
  measuredMs?: number;
}

const POLL_MS = 5;

/** VmHWM of a running process (KiB), or undefined once it is gone. */
export function peakRss(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `cmd` is an executable on PATH. */
export function onPath(cmd: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/** Runs the process to its end; rejects on a non-zero exit (unless killed by us), a missing text or a timeout. */
export function runOnce(spec: RunSpec): Promise<RunResult> {
  const stdin = openSync(spec.stdin ?? '/dev/null', 'r');
  const devNull = openSync('/dev/null', 'w');
  const start = performance.now();
  const child = spawn(spec.cmd, spec.args, {
    stdio: [stdin, spec.waitFor ? 'pipe' : devNull, 'pipe'],
    env: spec.env ?? process.env,
  });
  closeSync(stdin);
  closeSync(devNull);
  let peak = 0;
  let seenMs: number | undefined;
  let seen = '';
  let stderr = '';
  let killedByUs = false;
  const track = (): void => {
    if (spec.trackRss && child.pid !== undefined) peak = Math.max(peak, peakRss(child.pid) ?? 0);
  };
  const poll = spec.trackRss ? setInterval(track, POLL_MS) : undefined;
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => {
    if (stderr.length < 4000) stderr += text;
  });
  if (spec.waitFor) {
    child.stdout!.setEncoding('latin1');
    child.stdout!.on('data', (text: string) => {
      if (seenMs !== undefined) return;
      seen += text;
      if (!seen.includes(spec.waitFor!)) return;
      seenMs = performance.now() - start;
      track();
      if (spec.killWhenSeen) {
        killedByUs = true;
        child.kill('SIGTERM');
      }
    });
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      killedByUs = true;
      child.kill('SIGKILL');
      reject(new Error(`${spec.cmd} did not finish within ${(spec.timeoutMs ?? 120_000) / 1000} s`));
    }, spec.timeoutMs ?? 120_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      clearInterval(poll);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearInterval(poll);
      const wallMs = performance.now() - start;
      if (!killedByUs && code !== 0) {
        reject(new Error(`${spec.cmd} exited with ${code ?? signal}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`));
      } else if (spec.waitFor && seenMs === undefined) {
        reject(new Error(`${spec.cmd} never printed ${JSON.stringify(spec.waitFor)}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`));
      } else {
        resolve({ wallMs, seenMs, peakRssKb: peak });
      }
    });
  });
}

/** The median of a non-empty list. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
