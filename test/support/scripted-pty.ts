/** A scripted loopback server with mailsh attached in a pseudo-terminal, for REPL tests. */
import { after, afterEach } from 'node:test';
import { killAllPtys, spawnCli, type PtyOptions, type PtySession } from './pty-session.js';
import { startScriptedServer, type LineHandler, type ScriptedServer } from './scripted-server.js';

/**
 * Registers the hooks that kill the ptys and close the servers a test
 * opened; returns the list of servers for openScriptedPty to fill.
 */
export function scriptedPtyCleanup(): ScriptedServer[] {
  const servers: ScriptedServer[] = [];
  afterEach(async () => {
    killAllPtys();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  after(() => killAllPtys());
  return servers;
}

/** For waitForRendered: the terminal's last row is `prompt`, nothing typed after it. */
export const atPrompt = (prompt: string) => (rows: string[]): boolean => rows.at(-1)?.trimEnd() === prompt;

/**
 * Starts a scripted server (kept in `servers` for the test's cleanup) and
 * mailsh on `url` (PORT stands for the server's port) in a pty, and waits
 * until the terminal shows the first prompt (`smtp>` for smtp://…).
 */
export async function openScriptedPty(servers: ScriptedServer[], url: string, greeting: string, onLine: LineHandler, pty: PtyOptions = {}): Promise<{ server: ScriptedServer; cli: PtySession }> {
  const server = await startScriptedServer({ greeting, onLine });
  servers.push(server);
  const cli = spawnCli([url.replace('PORT', String(server.port)), '--timeout', '5'], pty);
  const prompt = `${url.split(':')[0]}>`;
  await cli.waitForRendered(atPrompt(prompt), `the ${prompt} prompt`);
  return { server, cli };
}

/**
 * Starts a scripted IMAP server (kept in `servers` for the test's cleanup) and
 * mailsh on it in a pty, and waits for the first `imap> ` prompt.
 */
export async function openImapPty(servers: ScriptedServer[], greeting: string, onLine: LineHandler): Promise<{ server: ScriptedServer; cli: PtySession }> {
  const server = await startScriptedServer({ greeting, onLine });
  servers.push(server);
  const cli = spawnCli([`imap://127.0.0.1:${server.port}`, '--timeout', '5']);
  await cli.waitForLine('imap> ');
  return { server, cli };
}

/**
 * Answers a hidden prompt in two parts with a server line arriving between
 * them: the line must show above the prompt, which must come back with
 * nothing echoed, before the rest of the answer and Enter are typed.
 */
export async function answerHiddenWhileServerTalks(cli: PtySession, server: ScriptedServer, prompt: string, answer: [string, string], mark: number): Promise<void> {
  await cli.waitFor(prompt, 5000, mark);
  await cli.waitForLine(prompt);
  cli.type(answer[0]);
  server.conns[0].write('* OK [ALERT] still here\r\n');
  await cli.waitFor('S: * OK [ALERT] still here', 5000, mark);
  await cli.waitForLine(prompt);
  cli.type(`${answer[1]}\r`);
}
