import { fstatSync } from 'node:fs';
import { Socket } from 'node:net';

/** The client's side of a tunnel: what it writes to us, and where we answer. */
export interface ClientStdio {
  input: NodeJS.ReadableStream & { pause(): void; resume(): void; destroy(): void };
  output: NodeJS.WritableStream & { destroy(): void };
  /** Ends the output and calls back once it is flushed (or failed). */
  finish(done: () => void): void;
}

function sameSocket(): boolean {
  try {
    const a = fstatSync(0);
    const b = fstatSync(1);
    return a.isSocket() && a.dev === b.dev && a.ino === b.ino;
  } catch {
    return false;
  }
}

/**
 * Standard input and output for a byte pipe. mbsync, mutt and fetchmail hand
 * their tunnel ONE socket of a socketpair as both: two streams on it would
 * each switch its shared file description's blocking mode, so it is opened
 * once as a half-open duplex (the client's shutdown of its side leaves ours
 * writable for the server's last words).
 */
export function clientStdio(): ClientStdio {
  if (sameSocket()) {
    const socket = new Socket({ fd: 0, readable: true, writable: true, allowHalfOpen: true });
    return { input: socket, output: socket, finish: (done) => socket.end(done) };
  }
  const output = process.stdout;
  return {
    input: process.stdin,
    output,
    // Standard output cannot be closed; an empty write calls back once what came before is out.
    finish: (done) => (output.writableEnded || output.destroyed ? done() : output.write('', () => done())),
  };
}
