#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { EXIT, UsageError, exitStatusOf, isUserFacing, type ExitStatus } from '../errors.js';
import { historyPath } from '../repl/history.js';
import { setColor } from '../repl/render.js';
import { Repl } from '../repl/repl.js';
import { ScriptRunner, type ScriptSource } from '../repl/script-runner.js';
import { Session, type SessionOutput } from '../session/session.js';
import { parseDnsServer, resolverLookup } from '../transport/resolver.js';
import { Transcript } from '../transcript/transcript.js';
import { escapeBytes } from '../transcript/escape.js';
import { showTranscript } from '../transcript/show.js';
import { VERSION } from '../version.js';
import { USAGE, parseCli, type CliOptions } from './args.js';
import { parseTarget, targetUrl, type Target } from './target.js';

/** Applies -p/--tls/--starttls/--raw on top of what the target implies. */
function effectiveTarget(opts: CliOptions): Target {
  const target = parseTarget(opts.positionals);
  if (opts.protocol) target.protocol = opts.protocol;
  if (opts.raw) target.protocol = 'line';
  if (opts.tls) target.tls = 'implicit';
  if (opts.starttls) target.tls = 'starttls';
  if (target.tls === 'starttls' && (target.protocol === 'line' || target.protocol === 'auto')) {
    throw new UsageError('--starttls needs a protocol (a URL, a well-known port, or -p)');
  }
  if (opts.user) target.user = opts.user;
  return target;
}

function readScript(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split(/\r\n|\r|\n/).filter((line, i, all) => line !== '' || i < all.length - 1);
  } catch (err) {
    throw new UsageError(`cannot read script ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

async function openSession(opts: CliOptions, io: { stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream }): Promise<ExitStatus> {
  const target = effectiveTarget(opts);
  const url = targetUrl(target);
  const scripted = opts.execute.length > 0 || opts.script !== undefined || !io.stdin.isTTY;
  setColor(opts.color && !scripted && io.stdout.isTTY === true);
  const openLog = (file: string): Transcript => new Transcript({ file, format: opts.logFormat, target: url, logSecrets: opts.logSecrets });
  let session: Session | undefined;
  const setLog = (file: string | undefined): void => {
    session?.transcript?.close();
    if (session) session.transcript = file === undefined ? undefined : openLog(file);
  };
  const frontEnd = { setLog, defaultUser: target.user, envPassword: process.env.MAILSH_PASSWORD };
  const script = scripted ? new ScriptRunner(io.stdout, io.stderr, frontEnd) : undefined;
  const repl = script ? undefined : new Repl({ ...frontEnd, input: io.stdin, output: io.stdout, historyFile: historyPath(process.env) });
  const output: SessionOutput = (script ?? repl)!.output;
  session = new Session({
    connect: {
      host: target.host,
      port: target.port,
      implicitTls: target.tls === 'implicit',
      family: opts.family,
      timeoutMs: opts.timeoutSeconds * 1000,
      lookup: opts.dns ? resolverLookup(parseDnsServer(opts.dns), opts.family) : undefined,
      tls: { insecure: opts.insecure, caFile: opts.ca, certFile: opts.cert, keyFile: opts.key, sni: opts.sni, keylogFile: opts.keylog },
    },
    protocol: target.protocol,
    starttls: target.tls === 'starttls',
    ehloName: opts.ehlo ?? hostname(),
    timeoutMs: opts.timeoutSeconds * 1000,
    maxLine: opts.maxLine,
    maxLiteral: opts.maxLiteral,
    maxReplyLines: opts.maxReplyLines,
    transcript: opts.log ? openLog(opts.log) : undefined,
    output,
  });
  try {
    if (!script) output.note('info', `connecting to ${url} … (/help for commands, Ctrl-D to quit)`);
    await session.connect();
  } catch (err) {
    session.transcript?.note(`error ${(err as Error).message}`);
    session.transcript?.close();
    session.connection?.destroy();
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
  if (command === 'show' && rest.length === 1) {
    setColor(opts.color && io.stdout.isTTY === true);
    showTranscript(rest[0], io.stdout);
    return EXIT.ok;
  }
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
