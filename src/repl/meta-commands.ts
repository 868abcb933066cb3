import { UsageError } from '../errors.js';
import { explainCode } from '../protocol/explain.js';
import { rawBytes } from '../protocol/outgoing.js';
import { leadingShellWords, shellWords } from '../text/shell-words.js';
import { parseEscapes } from '../text/text-escapes.js';
import { appendFile, imapLogin } from '../session/imap-helpers.js';
import { sendMessageFile } from '../session/send-message.js';
import { putScriptFile } from '../session/sieve-helpers.js';
import { escapeBytes } from '../text/escape.js';
import { SASL_MECHANISMS } from '../sasl/mechanisms.js';
import { AUTH_USAGE, authCommand } from './auth-command.js';
import { EXPECT_USAGE, expectCommand } from './expect-command.js';
import type { MetaContext } from './meta-context.js';
import { HELP_WIDTH, fitWidth } from './fit-width.js';
import { TLS_USAGE, tlsCommand } from './tls-command.js';

/** What both front ends (REPL and script) are given besides the session. */
export interface FrontEndOptions {
  setLog: MetaContext['setLog'];
  defaultUser?: string;
  /** MAILSH_PASSWORD, used instead of asking. */
  envPassword?: string;
  insecureAuth?: boolean;
  /** Lines to run before any input (`--auth MECH` becomes `/auth MECH`). */
  initialLines?: string[];
  /** `--pipeline`: scripts send commands without waiting where the protocol allows. */
  pipeline?: boolean;
}

interface MetaCommand {
  usage: string;
  help: string;
  run(args: string, ctx: MetaContext): Promise<void> | void;
  /** How many leading arguments are not secret; the rest is a password (`/login USER PASS`). */
  publicArgs?: number;
  /**
   * With `--pipeline`, the command may start before earlier replies arrive,
   * like a command line: it waits itself for what it needs (`/send`'s DATA
   * may end a pipelined group, RFC 2920 §3.1).
   */
  pipelines?: boolean;
}

function onOff(args: string, name: string): boolean {
  const v = args.trim().toLowerCase();
  if (v === 'on') return true;
  if (v === 'off') return false;
  throw new UsageError(`usage: /${name} on|off`);
}

function need(args: string, usage: string): string {
  if (args.trim() === '') throw new UsageError(`usage: ${usage}`);
  return args;
}

/** The meta command table: one source for dispatch and for `/help`. */
export const META_COMMANDS: ReadonlyMap<string, MetaCommand> = new Map<string, MetaCommand>([
  ['help', { usage: '/help', help: 'this list', run: (_a, ctx) => printHelp(ctx) }],
  ['quit', { usage: '/quit', help: 'say QUIT/LOGOUT, wait for the reply, close and exit', run: (_a, ctx) => ctx.quit() }],
  ['close', { usage: '/close', help: 'drop the connection without a goodbye', run: (_a, ctx) => ctx.session.close() }],
  ['tls', { usage: TLS_USAGE, help: 'the TLS session and chain; pem/save FILE: the chain as PEM; set/try --tls-max 1.2 …: the next or a test handshake', run: tlsCommand }],
  ['caps', { usage: '/caps', help: 'show the capabilities the server announced', run: (_a, ctx) => printCaps(ctx) }],
  ['log', {
    usage: '/log FILE|off',
    help: 'start (append) or stop a transcript',
    run: (a, ctx) => ctx.setLog(need(a, '/log FILE|off').trim() === 'off' ? undefined : a.trim()),
  }],
  ['raw', { usage: '/raw on|off', help: 'turn protocol awareness off or back on', run: (a, ctx) => ctx.session.setRaw(onOff(a, 'raw')) }],
  ['tag', {
    usage: '/tag on|off',
    help: 'IMAP: add tags to commands (on, the default) or send lines as typed',
    run: (a, ctx) => {
      const tagging = ctx.session.adapter.tagging;
      if (!tagging) throw new UsageError('/tag works in IMAP sessions');
      tagging.autoTag = onOff(a, 'tag');
    },
  }],
  ['auth', {
    usage: AUTH_USAGE,
    help: `the whole SASL exchange: ${[...SASL_MECHANISMS.keys()].join(' ')} (asks for a missing password, hidden)`,
    run: authCommand,
    publicArgs: 2,
  }],
  ['login', {
    usage: '/login [USER [PASS]]',
    help: 'IMAP: LOGIN with correct quoting (asks for a missing password, hidden)',
    publicArgs: 1,
    run: async (a, ctx) => {
      const [user = ctx.defaultUser, pass, ...extra] = shellWords(a);
      if (!user || extra.length > 0) throw new UsageError('usage: /login USER [PASS] (quote values with spaces)');
      await imapLogin(ctx.session, user, pass ?? (await ctx.askSecret(`password for ${user}: `)));
    },
  }],
  ['append', {
    usage: '/append MAILBOX FILE [FLAGS]',
    help: 'IMAP: APPEND a message file with a correctly sized literal',
    run: (a, ctx) => {
      const { words: [mailbox, file], rest: flags } = leadingShellWords(a, 2);
      if (!mailbox || !file) throw new UsageError('usage: /append MAILBOX FILE [FLAGS], e.g. /append INBOX msg.eml \\Seen');
      return appendFile(ctx.session, mailbox, file, flags || undefined, ctx.progress);
    },
  }],
  ['putscript', {
    usage: '/putscript NAME FILE',
    help: 'ManageSieve: PUTSCRIPT a script file with a correctly sized literal',
    run: (a, ctx) => {
      const [name, file, ...extra] = shellWords(a);
      if (!name || !file || extra.length > 0) throw new UsageError('usage: /putscript NAME FILE (quote a name with spaces)');
      return putScriptFile(ctx.session, name, file, ctx.progress);
    },
  }],
  ['explain', {
    usage: '/explain CODE',
    help: 'what a reply code means: 550, 5.7.1, "454 4.7.1", [TRYCREATE], IN-USE',
    run: (a, ctx) => explainCode(need(a, '/explain CODE, e.g. /explain 454 4.7.1')).forEach((l) => ctx.print(l)),
  }],
  ['expect', {
    usage: EXPECT_USAGE,
    help: 'check the last reply (a script stops with exit 1 when it differs)',
    run: expectCommand,
  }],
  ['b64', {
    usage: '/b64 TEXT',
    help: 'print base64 of TEXT (escapes \\0 \\t \\\\ \\xNN)',
    run: (a, ctx) => ctx.print(parseEscapes(need(a, '/b64 TEXT')).toString('base64')),
  }],
  ['unb64', {
    usage: '/unb64 BASE64',
    help: 'print decoded base64, control bytes escaped',
    run: (a, ctx) => ctx.print(escapeBytes(Buffer.from(need(a, '/unb64 BASE64').trim(), 'base64'), 'transcript')),
  }],
  ['bytes', {
    usage: '/bytes TEXT',
    help: 'send exact bytes, no CRLF added (escapes \\r \\n \\xNN)',
    run: (a, ctx) => ctx.session.write(rawBytes(parseEscapes(need(a, '/bytes TEXT')))),
  }],
  ['send', {
    usage: '/send FILE',
    help: 'SMTP: send a message file through DATA (or BDAT with CHUNKING)',
    run: (a, ctx) => sendMessageFile(ctx.session, need(a, '/send FILE').trim(), ctx.progress),
    pipelines: true,
  }],
]);

/** The usage column of `/help`; a longer usage gets a row of its own. */
const USAGE_COLUMN = 24;

function printHelp(ctx: MetaContext): void {
  const row = (usage: string, help: string): string =>
    usage.length <= USAGE_COLUMN ? `  ${usage.padEnd(USAGE_COLUMN)}  ${help}` : `  ${usage}\n  ${''.padEnd(USAGE_COLUMN)}  ${help}`;
  const lines = [
    'Lines are sent to the server with CRLF. Lines starting with / are for mailsh:',
    ...[...META_COMMANDS.values()].map((cmd) => row(cmd.usage, cmd.help)),
    row('//TEXT', 'send a line starting with /'),
  ];
  fitWidth(lines.join('\n'), ctx.columns ?? HELP_WIDTH).split('\n').forEach((l) => ctx.print(l));
}

function printCaps(ctx: MetaContext): void {
  const caps = ctx.session.adapter.capabilities;
  if (caps.size === 0) ctx.print('no capabilities known yet (EHLO, CAPABILITY or CAPA asks for them)');
  for (const [key, params] of caps) ctx.print(params.length ? `${key} ${params.join(' ')}` : key);
}

/** A `/name args` line taken apart: `head` is `/name` and the space after it. */
interface MetaLine {
  head: string;
  name: string;
  args: string;
  command: MetaCommand | undefined;
}

function parseMetaLine(line: string): MetaLine | undefined {
  const m = /^(\/(\S*)\s?)(.*)$/s.exec(line);
  return m ? { head: m[1], name: m[2], args: m[3], command: META_COMMANDS.get(m[2].toLowerCase()) } : undefined;
}

/**
 * A meta command line as it may be shown and remembered: a typed password
 * (`/login alice s3cret`) becomes `<hidden>`; undefined when nothing is secret.
 */
export function maskedMetaLine(line: string): string | undefined {
  const m = parseMetaLine(line);
  const publicArgs = m?.command?.publicArgs;
  if (!m || publicArgs === undefined) return undefined;
  const args = m.args.trimEnd();
  let rest: string;
  try {
    rest = leadingShellWords(args, publicArgs).rest;
  } catch {
    return undefined;
  }
  return rest === '' ? undefined : `${m.head}${args.slice(0, args.length - rest.length)}<hidden>`;
}

/** Whether a meta command line may join a pipelined group (see MetaCommand.pipelines). */
export function metaPipelines(line: string): boolean {
  return parseMetaLine(line)?.command?.pipelines ?? false;
}

/** Runs one `/command args` line; unknown commands are errors and nothing is sent. */
export async function runMetaCommand(line: string, ctx: MetaContext): Promise<void> {
  const m = parseMetaLine(line);
  if (!m?.command) throw new UsageError(`unknown meta command /${m?.name ?? ''} (nothing was sent; /help lists them, // sends a literal /)`);
  await m.command.run(m.args, ctx);
}
