/**
 * Helpers for the tunnel section of `npm run bench` (issue 18): filling a
 * real Dovecot's mailboxes with APPEND, an mbsync configuration around a
 * Tunnel command, and a small client that drives an IMAP session through a
 * tunnel process (its standard input and output) and times one FETCH.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import type { RunResult, RunSpec } from './bench-run.js';
import { peakRss } from './bench-run.js';

const POLL_MS = 5;

/**
 * Logs in over IMAPS and APPENDs `messages` to INBOX, pipelined with
 * non-synchronizing literals (RFC 7888 LITERAL+, which Dovecot offers).
 */
export function appendMessages(port: number, caFile: string, user: string, password: string, messages: Buffer[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: readFileSync(caFile) });
    let seen = '';
    socket.once('data', () => {
      socket.write(`l LOGIN ${user} ${password}\r\n`);
      messages.forEach((m, i) => {
        socket.write(`a${i} APPEND INBOX {${m.length}+}\r\n`);
        socket.write(m);
        socket.write('\r\n');
      });
      socket.write('z LOGOUT\r\n');
      socket.on('data', (chunk: Buffer) => {
        seen = (seen + chunk.toString('latin1')).slice(-4096);
        const bad = /\r\n(\S+ (?:NO|BAD) [^\r]*)/.exec(seen);
        if (bad) socket.destroy(new Error(`APPEND failed: ${bad[1]}`));
      });
    });
    socket.on('error', reject);
    socket.on('close', () => (seen.includes('z OK') ? resolve() : reject(new Error(`APPEND did not finish: ${seen.slice(-200)}`))));
  });
}

/** An mbsync configuration that copies the far INBOX into a Maildir at `box` through `tunnel`. */
export function writeMbsyncConfig(file: string, box: string, tunnel: string, user: string, password: string): void {
  // No fsync of every message (a global option, before the sections): the disk of a shared box would time itself, not the tunnel.
  writeFileSync(file, `FSync no\n\nIMAPAccount acct\nTunnel "${tunnel}"\nUser ${user}\nPass ${password}\nAuthMechs LOGIN\n\n` +
    `IMAPStore remote\nAccount acct\n\nMaildirStore local\nPath ${box}/\nInbox ${box}/INBOX\n\n` +
    'Channel ch\nFar :remote:INBOX\nNear :local:INBOX\nCreate Near\nSyncState *\n');
}

/**
 * Runs `spec` as a tunnel and talks IMAP through it: LOGIN and SELECT, then
 * `c FETCH 1 BODY[]`, counting the bytes from the FETCH command to the
 * tagged `c OK` (the `measuredMs` span), then LOGOUT. The tunnel's peak RSS
 * is polled from /proc. `bytes` is the count of the FETCH reply.
 */
export function fetchThrough(spec: RunSpec, user: string, password: string): Promise<RunResult & { bytes: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(spec.cmd, spec.args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let peak = 0;
    const track = (): void => {
      if (child.pid !== undefined) peak = Math.max(peak, peakRss(child.pid) ?? 0);
    };
    const poll = setInterval(track, POLL_MS);
    let phase: 'login' | 'fetch' | 'logout' = 'login';
    let tail = '';
    let bytes = 0;
    let fetchStart = 0;
    let measuredMs: number | undefined;
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (t: string) => {
      if (stderr.length < 4000) stderr += t;
    });
    child.stdin.on('error', () => undefined);
    child.stdin.write(`a LOGIN ${user} ${password}\r\nb SELECT INBOX\r\n`);
    child.stdout.on('data', (chunk: Buffer) => {
      if (phase === 'fetch') bytes += chunk.length;
      // Only a chunk's end is looked at: the 100 MiB are not scanned.
      tail = (tail + chunk.toString('latin1', Math.max(0, chunk.length - 256))).slice(-512);
      if (phase === 'login' && /\r\nb OK/.test(tail)) {
        phase = 'fetch';
        tail = '';
        fetchStart = performance.now();
        child.stdin.write('c FETCH 1 BODY[]\r\n');
      } else if (phase === 'fetch' && /\r\nc OK[^\r]*\r\n$/.test(tail)) {
        measuredMs = performance.now() - fetchStart;
        track();
        phase = 'logout';
        child.stdin.end('d LOGOUT\r\n');
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), spec.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearInterval(poll);
      if (measuredMs === undefined) {
        reject(new Error(`${spec.cmd} ended (${code ?? signal}) before the FETCH completed: ${stderr.trim().split('\n').slice(-3).join(' / ')} ${tail.slice(-200)}`));
      } else {
        resolve({ wallMs: performance.now() - start, measuredMs, peakRssKb: peak, bytes });
      }
    });
  });
}
