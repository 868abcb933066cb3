import { EXIT, UsageError, type ExitStatus } from '../errors.js';
import { readUserFile } from '../files/user-file.js';
import type { ProtocolName, Reply } from '../protocol/adapter.js';
import { replyWireLines } from '../protocol/expectation.js';
import { compareReplies, type ReplyDifference } from '../protocol/reply-diff.js';
import { askHidden } from '../repl/hidden-prompt.js';
import { ScriptOutput } from '../repl/script-output.js';
import { isStartTls, planReplay } from '../session/replay-plan.js';
import { credentialsNeeded, replaySteps, type ReplayCredentials, type SkippedStep } from '../session/replay.js';
import { Session } from '../session/session.js';
import { parseTranscript } from '../transcript/reader.js';
import { Transcript } from '../transcript/transcript.js';
import type { CliOptions } from './args.js';
import { effectiveTarget, sessionOptions } from './session-options.js';
import { targetUrl } from './target.js';

interface ReplayIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

/** The user part of the recorded target (`# … target=imaps://alice@host …`). */
function headerUser(header: string | undefined): string | undefined {
  const target = /\btarget=(\S+)/.exec(header ?? '')?.[1];
  try {
    return target ? decodeURIComponent(new URL(target).username) || undefined : undefined;
  } catch {
    return undefined;
  }
}

function shown(reply: Reply | undefined): string {
  return reply ? JSON.stringify(replyWireLines(reply).at(-1) ?? reply.status) : 'nothing';
}

/**
 * `mailsh replay FILE TARGET` (SPEC §9): sends a transcript's client lines to
 * TARGET with the script's waiting rules (`--pipeline` too), shows the new
 * session like a script, then reports each reply whose code or status
 * differs from the recorded one (`--strict`: its text too). Exit 1 when any
 * differs or a line could not be sent.
 */
export async function runReplay(args: readonly string[], opts: CliOptions, io: ReplayIo): Promise<ExitStatus> {
  const [file, ...targetWords] = args;
  if (!file || targetWords.length === 0) throw new UsageError('usage: mailsh replay FILE TARGET');
  const content = readUserFile(file).toString('utf8');
  const { header, records } = parseTranscript(content);
  const target = effectiveTarget({ ...opts, positionals: targetWords });
  // TLS exactly as the target asks: a recorded STARTTLS is sent as recorded
  // (never twice); a transcript without one gets it negotiated first.
  const requireTls = target.tls !== 'none';
  if (target.tls === 'starttls' && planReplay(records, target.protocol as ProtocolName).steps.some(isStartTls)) target.tls = 'none';
  const transcript = opts.log ? new Transcript({ file: opts.log, format: opts.logFormat, target: targetUrl(target), logSecrets: opts.logSecrets }) : undefined;
  const output = new ScriptOutput(io.stdout, io.stderr);
  const session = new Session(sessionOptions(opts, target, target.host, undefined, output, transcript));
  // The greeting is the first reply, whatever --starttls said after it.
  let greeting: Reply | undefined;
  session.once('reply', (reply: Reply) => (greeting = reply));
  try {
    await session.connect();
    const plan = planReplay(records, session.adapter.protocol);
    let password: Promise<string> | undefined;
    const creds: ReplayCredentials = {
      insecureAuth: opts.insecureAuth,
      requireTls,
      user: () => {
        const user = target.user ?? headerUser(header) ?? plan.visibleUser;
        if (!user) throw new UsageError('the transcript masks the user name: give it with -u USER or in the TARGET URL');
        return user;
      },
      password: () => (password ??= (async () => {
        if (io.env.MAILSH_PASSWORD !== undefined) return io.env.MAILSH_PASSWORD;
        if (!io.stdin.isTTY) throw new UsageError('the transcript masks a password: set MAILSH_PASSWORD (replay asks only at a terminal)');
        return askHidden('password for the masked credentials: ', io.stdin, io.stderr);
      })()),
    };
    const needed = credentialsNeeded(plan);
    if (needed.user) creds.user();
    if (needed.password) await creds.password();
    const result = await replaySteps(session, plan, opts.pipeline ? 'pipeline' : 'script', creds, greeting);
    await session.quit();
    const recordedAt = new Map(plan.replies.map((r) => [r.reply, r.at]));
    const { compared, differences } = compareReplies(plan.replies.map((r) => r.reply), result.replies, opts.strict);
    const report = [`replay: ${compared} replies compared, ${differences.length} differ${differences.length === 1 ? 's' : ''}${opts.strict ? ' (strict: text too)' : ''}`];
    for (const d of differences) report.push(describeDifference(d, recordedAt));
    for (const s of groupSkipped(result.skipped)) report.push(`  not sent: transcript ${s.lines}: ${s.reason}`);
    output.flush();
    io.stdout.write(`${report.join('\n')}\n`);
    return differences.length > 0 || result.skipped.length > 0 ? EXIT.commandFailed : EXIT.ok;
  } finally {
    await session.quit();
    output.flush();
    transcript?.close();
  }
}

/** Consecutive lines skipped for the same reason (a message body) are named once. */
function groupSkipped(skipped: readonly SkippedStep[]): { lines: string; reason: string }[] {
  const groups: { from: number; to: number; reason: string }[] = [];
  for (const s of skipped) {
    const last = groups.at(-1);
    if (last && last.reason === s.reason) last.to = s.at;
    else groups.push({ from: s.at, to: s.at, reason: s.reason });
  }
  return groups.map((g) => ({ lines: g.from === g.to ? `line ${g.from}` : `lines ${g.from}-${g.to}`, reason: g.reason }));
}

function describeDifference(d: ReplyDifference, recordedAt: ReadonlyMap<Reply, number>): string {
  const command = d.recorded?.command ?? d.replayed?.command;
  const at = d.recorded ? `, transcript line ${recordedAt.get(d.recorded)}` : '';
  return `  reply ${d.index}${command ? ` (${command}${at})` : ''}: recorded ${shown(d.recorded)}, now ${shown(d.replayed)}`;
}
