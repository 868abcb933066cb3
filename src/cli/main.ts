#!/usr/bin/env -S node --v8-pool-size=1
// One V8 worker thread, not four: a session's background work (optimizing
// compiles, GC helpers) then never crowds the main thread and the server off
// a small machine's cores, which made round trips up to twice as slow on two
// cores (measured in npm run bench; README, Benchmarks).
import { fstatSync, readFileSync, statSync } from 'node:fs';
import { isatty } from 'node:tty';
import { setFlagsFromString } from 'node:v8';
import { EXIT, UsageError, exitStatusOf, isUserFacing, type ExitStatus } from '../errors.js';
import { inputLines } from '../framing/input-lines.js';
import { setColor } from '../repl/render.js';
import type { FrontEndOptions } from '../repl/meta-commands.js';
import { ScriptRunner, type ScriptSource } from '../repl/script-runner.js';
import { Session, type SessionOutput } from '../session/session.js';
import { Transcript } from '../transcript/transcript.js';
import { escapeBytes } from '../transcript/escape.js';
import { VERSION } from '../version.js';
import { USAGE, parseCli, type CliOptions } from './args.js';
import { targetUrl } from './target.js';
import { effectiveTarget, sessionOptions } from './session-options.js';
import { connectFirst } from '../session/connect-first.js';
import { mxCandidates, mxInput, mxTarget } from './mx-target.js';

function readScript(file: string): string[] {
  try {
    return inputLines(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read script ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** A script file on standard input up to this size is read at once. */
const READ_AT_ONCE = 1024 * 1024;

/**
 * Script lines from standard input: a script file (`< script`, `< /dev/null`)
 * is read at once, which spares creating the stdin stream at start-up; a pipe,
 * or a file larger than a script (a message body), is read as it comes.
 */
function stdinScript(io: { stdin: NodeJS.ReadStream }): ScriptSource {
  let stat;
  try {
    stat = fstatSync(0);
  } catch {
    return { lines: [] }; // no standard input at all (closed): nothing to send
  }
  const devNull = stat.isCharacterDevice() && stat.rdev === statSync('/dev/null').rdev;
  if ((stat.isFile() && stat.size <= READ_AT_ONCE) || devNull) return { lines: inputLines(readFileSync(0, 'utf8')) };
  return { stream: io.stdin };
}

async function openSession(opts: CliOptions, io: { stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream }): Promise<ExitStatus> {
  const mx = mxInput(opts);
  // tldts's suffix list is loaded only when a domain needs checking.
  const domain = mx === undefined ? undefined : (await import('../discovery/domain.js')).mailDomain(mx);
  const target = domain ? mxTarget(opts, domain) : effectiveTarget(opts);
  const url = targetUrl(target);
  const scripted = opts.execute.length > 0 || opts.script !== undefined || !isatty(0);
  setColor(opts.color && !scripted && io.stdout.isTTY === true);
  const openLog = (file: string): Transcript => new Transcript({ file, format: opts.logFormat, target: url, logSecrets: opts.logSecrets });
  let session: Session | undefined;
  const setLog = (file: string | undefined): void => {
    session?.transcript?.close();
    if (session) session.transcript = file === undefined ? undefined : openLog(file);
  };
  const frontEnd: FrontEndOptions = {
    setLog,
    defaultUser: target.user,
    envPassword: process.env.MAILSH_PASSWORD,
    insecureAuth: opts.insecureAuth,
    initialLines: opts.auth ? [`/auth ${opts.auth}`] : [],
    pipeline: opts.pipeline,
  };
  const script = scripted ? new ScriptRunner(io.stdout, io.stderr, frontEnd) : undefined;
  // Loaded only when needed: every module costs start-up time (issue 6).
  const repl = script ? undefined : await interactive(frontEnd, io);
  const output: SessionOutput = (script ?? repl)!.output;
  const transcript = opts.log ? openLog(opts.log) : undefined;
  const attempt = (host: string, name?: string) => (): Session => new Session(sessionOptions(opts, target, host, name, output, transcript));
  try {
    if (!script) output.note('info', `connecting to ${url} … (/help for commands, Ctrl-D to quit)`);
    const candidates = domain ? await mxCandidates(opts, domain) : [{ address: target.host, name: undefined }];
    if (domain) output.note('info', `MX of ${domain.unicode}: ${candidates.map((c) => `${c.name} ${c.address}`).join(', ')}`);
    session = await connectFirst(candidates.map((c) => attempt(c.address, c.name)));
  } catch (err) {
    transcript?.note(`error ${(err as Error).message}`);
    transcript?.close();
    throw err;
  }
  try {
    if (script) {
      const source: ScriptSource = opts.script ? { lines: readScript(opts.script) } : opts.execute.length > 0 ? { lines: opts.execute } : stdinScript(io);
      return await script.run(session, source);
    }
    return await repl!.run(session);
  } finally {
    session.transcript?.close();
  }
}

/** The terminal front end (readline, history, completion), loaded only at a terminal. */
async function interactive(frontEnd: FrontEndOptions, io: { stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream }) {
  const [{ Repl }, { historyPath }] = await Promise.all([import('../repl/repl.js'), import('../repl/history.js')]);
  return new Repl({ ...frontEnd, input: io.stdin, output: io.stdout, historyFile: historyPath(process.env) });
}

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
  if (opts.positionals[0] === 'proxy' && !opts.help) return (await import('../tunnel/proxy.js')).runProxy(opts);
  // stdin is a getter: creating the stream costs start-up time a script given by -e, -f or a file never needs.
  const io = {
    get stdin() {
      return process.stdin;
    },
    stdout: process.stdout,
    stderr: process.stderr,
  };
  if (opts.help) {
    io.stdout.write(`${USAGE}\n`);
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
  if (command === 'show' && rest.length === 1) {
    setColor(opts.color && io.stdout.isTTY === true);
    (await import('./show-command.js')).runShow(rest[0], opts, io.stdout);
    return EXIT.ok;
  }
  if (command === 'sandbox') return (await import('./sandbox-command.js')).runSandbox(opts, rest, io);
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
