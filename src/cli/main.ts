import { EXIT, UsageError, exitStatusOf, isUserFacing, type ExitStatus } from '../errors.js';
import { setColor } from '../repl/render.js';
import { HELP_WIDTH, fitWidth } from '../repl/fit-width.js';
import { escapeBytes } from '../text/escape.js';
import { VERSION } from '../version.js';
import { USAGE, parseCli } from './args.js';
import type { CliIo } from './cli-io.js';

/** Runs `mailsh ARGV`: its exit status; a failure is one line on stderr (SPEC §1). */
export async function run(argv: string[], io: CliIo): Promise<ExitStatus> {
  try {
    return await command(argv, io);
  } catch (err) {
    // The message may quote a server's reply: never let it drive the terminal.
    if (isUserFacing(err)) io.stderr.write(`mailsh: ${escapeBytes(Buffer.from((err as Error).message, 'utf8'), 'display')}\n`);
    else io.stderr.write(`mailsh: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return err instanceof UsageError ? EXIT.usage : exitStatusOf(err);
  }
}

async function command(argv: string[], io: CliIo): Promise<ExitStatus> {
  const opts = parseCli(argv, io.env);
  // A tunnel starts per connection (issue 18): it loads only its own modules and opens its own stdio.
  if (opts.positionals[0] === 'tunnel' && !opts.help) return (await import('./tunnel-command.js')).runTunnel(opts);
  if (opts.positionals[0] === 'proxy' && !opts.help) return (await import('./proxy-command.js')).runProxy(opts);
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
  if (command === 'replay') return (await import('./replay-command.js')).runReplay(rest, opts, io);
  // `mailsh show 25` stays a session with a host named show.
  if (command === 'show' && rest.length === 0) throw new UsageError('mailsh show needs a transcript file: mailsh show FILE [--since TIME] [--grep RE]');
  if (command === 'show' && rest.length === 1) {
    setColor(opts.color && io.stdout.isTTY === true);
    (await import('./show-command.js')).runShow(rest[0], opts, io.stdout);
    return EXIT.ok;
  }
  if (command === 'sandbox') return (await import('./sandbox-command.js')).runSandbox(opts, rest, io);
  // The session's modules load only for a session (the tunnel, above, starts per connection).
  const { openSession } = await import('./open-session.js');
  if (command === 'try') return (await import('./sandbox-command.js')).runTry(opts, rest, io, (tryOpts) => openSession(tryOpts, io));
  return openSession(opts, io);
}
