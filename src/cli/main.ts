#!/usr/bin/env -S node --v8-pool-size=1
// One V8 worker thread, not four: a session's background work (optimizing
// compiles, GC helpers) then never crowds the main thread and the server off
// a small machine's cores, which made round trips up to twice as slow on two
// cores (measured in npm run bench; README, Benchmarks).
import { setFlagsFromString } from 'node:v8';
import { EXIT, UsageError, exitStatusOf, isUserFacing, type ExitStatus } from '../errors.js';
import { setColor } from '../repl/render.js';
import { HELP_WIDTH, fitWidth } from '../repl/fit-width.js';
import { escapeBytes } from '../transcript/escape.js';
import { VERSION } from '../version.js';
import { USAGE, parseCli } from './args.js';

// V8 doubles the young generation's semi-spaces (up to 16 MiB) while a long
// stream allocates, so a 1 GB FETCH peaked ~30 % above a 100 MB one; at their
// start size memory stays flat. Unlike --max-semi-space-size on the #! line
// (15 ms more start-up), the growth factor can be set at run time.
setFlagsFromString('--semi-space-growth-factor=1');

/** The program: the only place that touches process.* (DESIGN layer cli/). */
async function main(argv: string[]): Promise<ExitStatus> {
  const opts = parseCli(argv, process.env);
  // A tunnel starts per connection (issue 18): it loads only its own modules and opens its own stdio.
  if (opts.positionals[0] === 'tunnel' && !opts.help) return (await import('../tunnel/tunnel.js')).runTunnel(opts);
  // stdin is a getter: creating the stream costs start-up time a script given by -e, -f or a file never needs.
  const io = {
    get stdin() {
      return process.stdin;
    },
    stdout: process.stdout,
    stderr: process.stderr,
  };
  if (opts.help) {
    io.stdout.write(`${fitWidth(USAGE, io.stdout.columns ?? HELP_WIDTH)}\n`);
    return EXIT.ok;
  }
  if (opts.version) {
    io.stdout.write(`mailsh ${VERSION}\n`);
    return EXIT.ok;
  }
  const [command, ...rest] = opts.positionals;
  // Subcommands load their modules only when run (the sandbox brings a whole
  // SMTP server and an X.509 library).
  if (command === 'mx') return (await import('./mx-command.js')).runMx(rest, opts, io.stdout);
  if (command === 'replay') return (await import('./replay-command.js')).runReplay(rest, opts, { ...io, env: process.env });
  // `mailsh show 25` stays a session with a host named show.
  if (command === 'show' && rest.length === 0) throw new UsageError('mailsh show needs a transcript file: mailsh show FILE [--since TIME] [--grep RE]');
  if (command === 'show' && rest.length === 1) {
    setColor(opts.color && io.stdout.isTTY === true);
    (await import('./show-command.js')).runShow(rest[0], opts, io.stdout);
    return EXIT.ok;
  }
  if (command === 'sandbox') return (await import('./sandbox-command.js')).runSandbox(opts, rest, io);
  const { openSession } = await import('./open-session.js');
  if (command === 'try') return (await import('./sandbox-command.js')).runTry(opts, rest, io, openSession);
  return openSession(opts, io);
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
    // Do not wait for stdin or stray timers once the session is over.
    setImmediate(() => process.exit(status));
  },
  (err: unknown) => {
    const status = exitStatusOf(err);
    // The message may quote a server's reply: never let it drive the terminal.
    if (isUserFacing(err)) process.stderr.write(`mailsh: ${escapeBytes(Buffer.from((err as Error).message, 'utf8'), 'display')}\n`);
    else process.stderr.write(`mailsh: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(err instanceof UsageError ? EXIT.usage : status);
  },
);
