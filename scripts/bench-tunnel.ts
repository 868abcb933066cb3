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
 * Drives LOGIN and SELECT, then `c FETCH 1 BODY[]`, then LOGOUT over
 * `write`; `read` is fed the server's bytes. Calls `fetched` with the span
 * from the FETCH command to its tagged `c OK` and the reply's byte count.
 */
function imapFetchSession(user: string, password: string, write: (text: string, last?: boolean) => void, fetched: (ms: number, bytes: number) => void): (chunk: Buffer) => void {
  let phase: 'login' | 'fetch' | 'logout' = 'login';
  let tail = '';
  let bytes = 0;
  let fetchStart = 0;
  write(`a LOGIN ${user} ${password}\r\nb SELECT INBOX\r\n`);
  return (chunk) => {
    if (phase === 'fetch') bytes += chunk.length;
    // Only a chunk's end is looked at: the 100 MiB are not scanned.
    tail = (tail + chunk.toString('latin1', Math.max(0, chunk.length - 256))).slice(-512);
    if (phase === 'login' && /\r\nb OK/.test(tail)) {
      phase = 'fetch';
      tail = '';
      fetchStart = performance.now();
      write('c FETCH 1 BODY[]\r\n');
    } else if (phase === 'fetch' && /\r\nc OK[^\r]*\r\n$/.test(tail)) {
      phase = 'logout';
      fetched(performance.now() - fetchStart, bytes);
      write('d LOGOUT\r\n', true);
    }
  };
}

/**
 * Runs `spec` as a tunnel and times one FETCH through it (imapFetchSession,
 * the `measuredMs` span), polling the tunnel's peak RSS from /proc.
 */
export function fetchThrough(spec: RunSpec, user: string, password: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(spec.cmd, spec.args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let peak = 0;
    const track = (): void => {
      if (child.pid !== undefined) peak = Math.max(peak, peakRss(child.pid) ?? 0);
    };
    const poll = setInterval(track, POLL_MS);
    let measuredMs: number | undefined;
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (t: string) => {
      if (stderr.length < 4000) stderr += t;
    });
    child.stdin.on('error', () => undefined);
    const write = (text: string, last = false): void => void (last ? child.stdin.end(text) : child.stdin.write(text));
    child.stdout.on('data', imapFetchSession(user, password, write, (ms) => {
      measuredMs = ms;
      track();
    }));
    const timer = setTimeout(() => child.kill('SIGKILL'), spec.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearInterval(poll);
      if (measuredMs === undefined) {
        reject(new Error(`${spec.cmd} ended (${code ?? signal}) before the FETCH completed: ${stderr.trim().split('\n').slice(-3).join(' / ')}`));
      } else {
        resolve({ wallMs: performance.now() - start, measuredMs, peakRssKb: peak });
      }
    });
  });
}

/** The same FETCH over a TLS connection of this process, no tunnel: what the server gives at most. */
export function fetchDirect(port: number, caFile: string, user: string, password: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const socket = tls.connect({ host: '127.0.0.1', port, ca: readFileSync(caFile) });
    let measuredMs: number | undefined;
    socket.once('data', () => {
      const write = (text: string, last = false): void => void (last ? socket.end(text) : socket.write(text));
      socket.on('data', imapFetchSession(user, password, write, (ms) => (measuredMs = ms)));
    });
    socket.on('error', reject);
    socket.on('close', () => (measuredMs === undefined ? reject(new Error('the server closed before the FETCH completed')) : resolve({ wallMs: performance.now() - start, measuredMs, peakRssKb: 0 })));
  });
}
