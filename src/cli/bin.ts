#!/usr/bin/env -S node --v8-pool-size=1
// One V8 worker thread, not four: a session's background work (optimizing
// compiles, GC helpers) then never crowds the main thread and the server off
// a small machine's cores, which made round trips up to twice as slow on two
// cores (measured in npm run bench; README, Benchmarks).
import { isatty } from 'node:tty';
import { setFlagsFromString } from 'node:v8';
import { run } from './main.js';

// V8 doubles the young generation's semi-spaces (up to 16 MiB) while a long
// stream allocates, so a 1 GB FETCH peaked ~30 % above a 100 MB one; at their
// start size memory stays flat. Unlike --max-semi-space-size on the #! line
// (15 ms more start-up), the growth factor can be set at run time.
setFlagsFromString('--semi-space-growth-factor=1');

/** The program: the only place that touches process.* (DESIGN layer cli/); main.ts does the work. */
const io = {
  // A getter: creating the stream costs start-up time a script given by -e, -f or a file never needs.
  get stdin() {
    return process.stdin;
  },
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  stdinIsTerminal: isatty(0),
  stdinFd: 0,
  onInterrupt(listener: (signal: NodeJS.Signals) => void): () => void {
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    const off = (): void => signals.forEach((s) => process.off(s, handler));
    const handler = (signal: NodeJS.Signals): void => {
      off();
      listener(signal);
    };
    signals.forEach((s) => process.on(s, handler));
    return off;
  },
};

void run(process.argv.slice(2), io).then((status) => {
  process.exitCode = status;
  // Do not wait for stdin or stray timers once the session is over.
  setImmediate(() => process.exit(status));
});
