/**
 * A tshark capture on the loopback interface with a port filter, for tests
 * that decrypt what mailsh sent with its TLS key log (SPEC §7). Capturing
 * needs tshark (Debian package `tshark`) and root or CAP_NET_RAW; without
 * them `tsharkUnavailable()` says why, and the test reports the skip.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';

/** Why no capture can be taken here, or undefined if it can. */
export function tsharkUnavailable(): string | undefined {
  if (spawnSync('tshark', ['--version'], { stdio: 'ignore' }).error) return 'tshark is not installed (apt-get install tshark)';
  if (process.getuid?.() !== 0) return 'capturing on the loopback interface needs root';
  return undefined;
}

/** A guard against a hang, not a timing assertion: the end normally shows within milliseconds. */
const FINISH_TIMEOUT_MS = 15_000;

export interface Capture {
  /** Waits until both sides' FIN of the connection were captured, then stops and flushes the file. */
  finish(): Promise<void>;
  /** Stops at once (cleanup after a failure). */
  kill(): void;
}

/** Starts capturing `tcp port PORT` on lo into `file`; resolves once tshark says the capture started. */
export async function captureLoopback(port: number, file: string): Promise<Capture> {
  // -P -l prints each packet as it is written, so the test can wait for the
  // connection's end instead of sleeping before it stops the capture.
  const child = spawn('tshark', ['-i', 'lo', '-f', `tcp port ${port}`, '-w', file, '-P', '-l', '-T', 'fields', '-e', 'tcp.srcport', '-e', 'tcp.flags.fin'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let printed = '';
  let errors = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (printed += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      errors += d;
      if (errors.includes('Capture started')) resolve();
    });
    void exited.then(() => reject(new Error(`tshark ended before capturing: ${errors.trim()}`)));
  });
  const finsSeen = (): boolean => {
    const senders = printed.split('\n').filter((l) => /\t(1|True)$/.test(l)).map((l) => l.split('\t')[0]);
    return new Set(senders).size >= 2;
  };
  return {
    async finish() {
      if (!finsSeen()) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`the capture did not see the connection end:\n${printed}`)), FINISH_TIMEOUT_MS);
          child.stdout.on('data', () => {
            if (!finsSeen()) return;
            clearTimeout(timer);
            resolve();
          });
        });
      }
      child.kill('SIGINT');
      await exited;
    },
    kill: () => child.kill('SIGKILL'),
  };
}

/**
 * The SMTP commands in a capture, as `VERB parameter` (decrypted where
 * `keylog` has the keys). The port is not a well-known one, so tshark is
 * told what runs there: SMTP (whose STARTTLS it follows), or TLS carrying SMTP.
 */
export function smtpCommandsIn(file: string, port: number, implicitTls: boolean, keylog?: string): string[] {
  const keys = keylog ? ['-o', `tls.keylog_file:${keylog}`] : [];
  const decode = implicitTls ? ['-d', `tcp.port==${port},tls`, '-d', `tls.port==${port},smtp`] : ['-d', `tcp.port==${port},smtp`];
  const out = execFileSync('tshark', ['-r', file, ...keys, ...decode, '-Y', 'smtp.req', '-T', 'fields', '-e', 'smtp.req.command', '-e', 'smtp.req.parameter'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out.split('\n').filter(Boolean).map((l) => l.replace('\t', ' ').trim());
}
