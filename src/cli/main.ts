#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { EXIT, UsageError, exitStatusOf, isUserFacing, type ExitStatus } from '../errors.js';
import { historyPath } from '../repl/history.js';
import { setColor } from '../repl/render.js';
import type { FrontEndOptions } from '../repl/meta-commands.js';
import { Repl } from '../repl/repl.js';
import { ScriptRunner, type ScriptSource } from '../repl/script-runner.js';
import { Session, type SessionOutput } from '../session/session.js';
import { Transcript } from '../transcript/transcript.js';
import { VERSION } from '../version.js';
import { USAGE, parseCli, type CliOptions } from './args.js';
import { runSandbox, runTry } from './sandbox-command.js';
import { targetUrl } from './target.js';
import { effectiveTarget, sessionOptions } from './session-options.js';
import { mailDomain } from '../discovery/domain.js';
import { connectFirst } from '../session/connect-first.js';
import { runMx } from './mx-command.js';
import { runReplay } from './replay-command.js';
import { runShow } from './show-command.js';
import { mxCandidates, mxInput, mxTarget } from './mx-target.js';

function readScript(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split(/\r\n|\r|\n/).filter((line, i, all) => line !== '' || i < all.length - 1);
  } catch (err) {
    throw new UsageError(`cannot read script ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

async function openSession(opts: CliOptions, io: { stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream }): Promise<ExitStatus> {
  const mx = mxInput(opts);
  const domain = mx === undefined ? undefined : mailDomain(mx);
  const target = domain ? mxTarget(opts, domain) : effectiveTarget(opts);
  const url = targetUrl(target);
  const scripted = opts.execute.length > 0 || opts.script !== undefined || !io.stdin.isTTY;
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
  const repl = script ? undefined : new Repl({ ...frontEnd, input: io.stdin, output: io.stdout, historyFile: historyPath(process.env) });
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
      const source: ScriptSource = opts.script ? { lines: readScript(opts.script) } : opts.execute.length > 0 ? { lines: opts.execute } : { stream: io.stdin };
      return await script.run(session, source);
    }
    return await repl!.run(session);
  } finally {
    session.transcript?.close();
  }
}

/** The program: the only place that touches process.* (DESIGN layer cli/). */
async function main(argv: string[]): Promise<ExitStatus> {
  const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
  const opts = parseCli(argv, process.env);
  if (opts.help) {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (opts.version) {
    io.stdout.write(`mailsh ${VERSION}\n`);
    return EXIT.ok;
  }
  const [command, ...rest] = opts.positionals;
  if (command === 'mx') return runMx(rest, opts, io.stdout);
  if (command === 'replay') return runReplay(rest, opts, { ...io, env: process.env });
  if (command === 'show' && rest.length === 1) {
    setColor(opts.color && io.stdout.isTTY === true);
    runShow(rest[0], opts, io.stdout);
    return EXIT.ok;
  }
  if (command === 'sandbox') return runSandbox(opts, rest, io);
  if (command === 'try') return runTry(opts, rest, io, openSession);
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
    if (isUserFacing(err)) process.stderr.write(`mailsh: ${(err as Error).message}\n`);
    else process.stderr.write(`mailsh: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(err instanceof UsageError ? EXIT.usage : status);
  },
);
