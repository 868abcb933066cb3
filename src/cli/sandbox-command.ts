/**
 * `mailsh sandbox` and `mailsh try` (SPEC §11): the command-line side of the
 * practice servers in src/sandbox/.
 */
import { EXIT, UsageError, type ExitStatus } from '../errors.js';
import { announcementJson, announcementText } from '../sandbox/announcement.js';
import { DEFAULT_PORT_BASE, startSandbox, type Sandbox, type SandboxUser } from '../sandbox/sandbox.js';
import { tryBanner, tryService, type TryProtocol } from '../sandbox/try-banner.js';
import type { CliOptions } from './args.js';

export interface SandboxIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/** `--user NAME:PASS` (the password may contain ":"); each name once. */
function parseUsers(specs: readonly string[]): SandboxUser[] {
  const seen = new Set<string>();
  return specs.map((spec) => {
    const colon = spec.indexOf(':');
    const name = spec.slice(0, colon);
    if (colon <= 0 || !/^[A-Za-z0-9._-]+$/.test(name) || colon === spec.length - 1) {
      throw new UsageError(`--user needs NAME:PASSWORD (name of letters, digits, . _ -), not "${spec}"`);
    }
    if (seen.has(name.toLowerCase())) throw new UsageError(`--user ${name} is given twice`);
    seen.add(name.toLowerCase());
    return { name, password: spec.slice(colon + 1) };
  });
}

function start(opts: CliOptions): Promise<Sandbox> {
  return startSandbox({ portBase: opts.portBase ?? DEFAULT_PORT_BASE, users: parseUsers(opts.users) });
}

/** `mailsh sandbox`: serve until SIGINT (Ctrl-C) or SIGTERM, then stop cleanly. */
export async function runSandbox(opts: CliOptions, args: string[], io: SandboxIo): Promise<ExitStatus> {
  if (args.length > 0) throw new UsageError(`mailsh sandbox takes no arguments, not "${args.join(' ')}"`);
  const sandbox = await start(opts);
  // Listen before announcing: whoever reads the announcement may signal at once.
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  io.stdout.write(opts.json ? announcementJson(sandbox) : announcementText(sandbox));
  const [user] = sandbox.users;
  io.stderr.write(
    `mailsh sandbox running; try in another terminal:\n` +
      `  mailsh --ca ${sandbox.caFile} ${sandbox.services.imap.replace('//', `//${user.name}@`)}\n` +
      `  mailsh ${sandbox.services.smtp}\n` +
      `Ctrl-C stops it.\n`,
  );
  await stopped;
  await sandbox.stop();
  io.stderr.write('mailsh sandbox stopped\n');
  return EXIT.ok;
}

/** Opens a shell session with the given options (main.ts's openSession). */
export type OpenSession = (opts: CliOptions, io: SandboxIo) => Promise<ExitStatus>;

/** `mailsh try imap|smtp|pop3`: the sandbox in this process and a shell on it; quitting the shell stops both. */
export async function runTry(opts: CliOptions, args: string[], io: SandboxIo, openSession: OpenSession): Promise<ExitStatus> {
  const protocol = args[0]?.toLowerCase();
  if (args.length !== 1 || (protocol !== 'imap' && protocol !== 'smtp' && protocol !== 'pop3')) {
    throw new UsageError('usage: mailsh try imap|smtp|pop3 [--tls|--starttls]');
  }
  if (opts.json) throw new UsageError('--json goes with mailsh sandbox, not mailsh try');
  const tlsMode = opts.tls ? 'implicit' : opts.starttls ? 'starttls' : 'none';
  const sandbox = await start(opts);
  try {
    const [user] = sandbox.users;
    const url = sandbox.services[tryService(protocol as TryProtocol, tlsMode)].replace('//', `//${user.name}@`);
    io.stdout.write(tryBanner(protocol as TryProtocol, tlsMode, user));
    // The URL says implicit TLS; --starttls stays as asked; --ca trusts the sandbox's own CA.
    return await openSession({ ...opts, positionals: [url], tls: false, ca: sandbox.caFile, user: user.name }, io);
  } finally {
    await sandbox.stop();
  }
}
