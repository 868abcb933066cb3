/** `mailsh proxy` for tests: started on a free loopback port, stopped with SIGINT; a plain client that talks in steps. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { CLI } from './run-cli.js';

export interface Proxy {
  port: number;
  child: ChildProcess;
  stderr: () => string;
  /** SIGINT, then the exit status and everything it wrote on stderr. */
  stop: () => Promise<{ code: number | null; stderr: string }>;
  /** For the test's clean-up: SIGKILL if it still runs. */
  kill: () => void;
}

/** Starts `mailsh proxy --listen 127.0.0.1:0 ARGS` and waits for the port it names. */
export async function startProxy(args: string[]): Promise<Proxy> {
  const child = spawn(process.execPath, [CLI, 'proxy', '--listen', '127.0.0.1:0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(stderr);
      if (m) resolve(Number(m[1]));
    });
    child.on('close', () => reject(new Error(`proxy exited: ${stderr}`)));
  });
  const closed = new Promise<number | null>((r) => child.on('close', r));
  const stop = async (): Promise<{ code: number | null; stderr: string }> => {
    child.kill('SIGINT');
    const code = await closed;
    assert.equal(stdout, '', 'nothing on stdout');
    return { code, stderr };
  };
  const kill = (): void => void (child.exitCode === null && child.kill('SIGKILL'));
  return { port, child, stderr: () => stderr, stop, kill };
}

/** A plain client: writes each step once `until` shows in what it got, returns everything it got when the server closes. */
export function talk(port: number, steps: [until: string | RegExp, send: string][]): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let got = '';
    let at = 0;
    sock.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      while (steps.length > 0) {
        const [until, send] = steps[0];
        const seen = typeof until === 'string' ? got.indexOf(until, at) : got.slice(at).search(until);
        if (seen < 0) break;
        at = got.length;
        steps.shift();
        sock.write(send);
      }
    });
    // A step that never comes fails the test instead of hanging the suite.
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no ${String(steps[0]?.[0])} within 10 s; got: ${got}`));
    }, 10_000);
    sock.on('error', reject);
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
  });
}

