/**
 * Runs a small inline Python 3 script, for tests that want an independent
 * client from Python's standard library (poplib, imaplib, smtplib).
 */
import { spawn, spawnSync } from 'node:child_process';

/** Why python3 cannot be used here, or undefined if it can. */
export function pythonUnavailable(): string | undefined {
  const probe = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  return probe.error || probe.status !== 0 ? 'python3 not found on PATH' : undefined;
}

/**
 * Runs `script` with `input` as JSON on stdin; resolves with what the script
 * printed as JSON on stdout, rejects with its stderr when it fails.
 */
export function runPython<T>(script: string, input: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`python3 exited with ${code}: ${stderr}`));
      try {
        resolve(JSON.parse(stdout) as T);
      } catch {
        reject(new Error(`python3 printed no JSON: ${stdout}${stderr}`));
      }
    });
    child.stdin.end(JSON.stringify(input));
  });
}
