import { fstatSync, readFileSync, statSync } from 'node:fs';
import { InterruptedError, UsageError, type ExitStatus } from '../errors.js';
import { readUserFile } from '../files/user-file.js';
import { StrictUtf8, inputLines } from '../framing/input-lines.js';
import { setColor } from '../repl/render.js';
import type { FrontEndOptions } from '../repl/meta-commands.js';
import { ScriptRunner, type ScriptSource } from '../repl/script-runner.js';
import { Session, type SessionOutput } from '../session/session.js';
import { Transcript } from '../transcript/transcript.js';
import type { CliOptions } from './args.js';
import type { CliIo } from './cli-io.js';
import { targetUrl } from './target.js';
import { effectiveTarget, sessionOptions } from './session-options.js';
import { connectFirst } from '../session/connect-first.js';
import { mxCandidates, mxInput, mxTarget } from './mx-target.js';

/*
 * A session with a server (`mailsh TARGET`), scripted or at a terminal: a
 * module of its own so that the tunnel, which starts per connection
 * (issue 18), does not load the session's modules.
 */

function readScript(file: string): string[] {
  return inputLines(new StrictUtf8(`script ${file}`).decode(readUserFile(file, `script ${file}`)));
}

/** A script file on standard input up to this size is read at once. */
const READ_AT_ONCE = 1024 * 1024;

/**
 * Script lines from standard input: a script file (`< script`, `< /dev/null`)
 * is read at once, which spares creating the stdin stream at start-up; a pipe,
 * or a file larger than a script (a message body), is read as it comes.
 */
function stdinScript(io: CliIo): ScriptSource {
  if (io.stdinFd === undefined) return { stream: io.stdin };
  let stat;
  try {
    stat = fstatSync(io.stdinFd);
  } catch {
    return { lines: [] }; // no standard input at all (closed): nothing to send
  }
  const devNull = stat.isCharacterDevice() && stat.rdev === statSync('/dev/null').rdev;
  if ((stat.isFile() && stat.size <= READ_AT_ONCE) || devNull) return { lines: inputLines(new StrictUtf8('standard input').decode(readFileSync(io.stdinFd))) };
  return { stream: io.stdin };
}

export async function openSession(opts: CliOptions, io: CliIo): Promise<ExitStatus> {
  const mx = mxInput(opts);
  // tldts's suffix list is loaded only when a domain needs checking.
  const domain = mx === undefined ? undefined : (await import('../discovery/domain.js')).mailDomain(mx);
  const target = domain ? mxTarget(opts, domain) : effectiveTarget(opts);
  const url = targetUrl(target);
  const scripted = opts.execute.length > 0 || opts.script !== undefined || !io.stdinIsTerminal;
  setColor(opts.color && !scripted && io.stdout.isTTY === true);
  let session: Session | undefined;
  // A full disk on the transcript stops the session with one line (issue 17 item 8).
  const openLog = (file: string): Transcript =>
    new Transcript({ file, format: opts.logFormat, target: url, logSecrets: opts.logSecrets, lineMode: target.protocol === 'line', onFailure: (err) => session?.abort(err) });
  // The running transcript is closed only once the new one is open: a bad path loses nothing.
  const setLog = (file: string | undefined): void => {
    if (!session) return;
    const old = session.transcript;
    let next: Transcript | undefined;
    try {
      next = file === undefined ? undefined : openLog(file);
    } catch (err) {
      if (old && err instanceof UsageError) throw new UsageError(`${err.message}; the transcript goes on in ${old.file}`);
      throw err;
    }
    old?.close();
    session.transcript = next;
  };
  const frontEnd: FrontEndOptions = {
    setLog,
    defaultUser: target.user,
    envPassword: io.env.MAILSH_PASSWORD,
    insecureAuth: opts.insecureAuth,
    initialLines: [...(opts.showCerts ? ['/tls pem'] : []), ...(opts.auth ? [`/auth ${opts.auth}`] : [])],
    pipeline: opts.pipeline,
  };
  const script = scripted ? new ScriptRunner(io.stdout, io.stderr, frontEnd) : undefined;
  // Loaded only when needed: every module costs start-up time (issue 6).
  const repl = script ? undefined : await interactive(frontEnd, io);
  const output: SessionOutput = (script ?? repl)!.output;
  // The script is read before connecting: a script mailsh refuses never opens a session.
  const source: ScriptSource | undefined = !script ? undefined : opts.script ? { lines: readScript(opts.script) } : opts.execute.length > 0 ? { lines: opts.execute } : stdinScript(io);
  const transcript = opts.log ? openLog(opts.log) : undefined;
  const attempt = (host: string, name?: string) => (): Session => (session = new Session({ ...sessionOptions(opts, target, host, name, output, transcript), open: io.open }));
  // A signal (Ctrl-C while connecting, SIGTERM, the terminal hanging up) ends
  // the session like any fatal error: said once, recorded in the transcript,
  // what was shown flushed, exit 130 — never a silent death.
  let interruptConnect: ((err: Error) => void) | undefined;
  const interrupted = new Promise<never>((_, reject) => (interruptConnect = reject));
  interrupted.catch(() => undefined);
  const unsubscribe = io.onInterrupt?.((signal) => {
    const err = new InterruptedError(`interrupted (${signal})`);
    if (session?.connection) session.abort(err);
    else interruptConnect?.(err);
  });
  try {
    if (!script) output.note('info', `connecting to ${url} … (/help for commands, Ctrl-D to quit)`);
    const candidates = domain ? await mxCandidates(opts, domain) : [{ address: target.host, name: undefined }];
    if (domain) output.note('info', `MX of ${domain.unicode}: ${candidates.map((c) => `${c.name} ${c.address}`).join(', ')}`);
    session = await Promise.race([connectFirst(candidates.map((c) => attempt(c.address, c.name))), interrupted]);
  } catch (err) {
    unsubscribe?.();
    // What the server said before the failure (a greeting, EHLO, STARTTLS) is on stdout before the error (issue 17 item 7).
    script?.output.flush();
    transcript?.note(`error ${(err as Error).message}`);
    transcript?.close();
    throw err;
  }
  try {
    if (script) return await script.run(session, source!);
    return await repl!.run(session);
  } finally {
    unsubscribe?.();
    script?.output.flush();
    session.transcript?.close();
    // A process's exit ends the connection; run in-process (tests), this does.
    session.connection?.destroy();
  }
}

/** The terminal front end (readline, history, completion), loaded only at a terminal. */
async function interactive(frontEnd: FrontEndOptions, io: CliIo) {
  const [{ Repl }, { historyPath }, { holdKeys }] = await Promise.all([import('../repl/repl.js'), import('../repl/history.js'), import('../repl/held-keys.js')]);
  // Ctrl-C before the prompt (or while quitting) interrupts, as it did in cooked mode.
  const input = holdKeys(io.stdin, () => process.kill(process.pid, 'SIGINT'));
  return new Repl({ ...frontEnd, input, output: io.stdout, historyFile: (protocol) => historyPath(io.env, protocol) });
}

