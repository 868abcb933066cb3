/** A scripted loopback server with mailsh attached in a pseudo-terminal, for REPL tests. */
import { spawnCli, type PtySession } from './pty-session.js';
import { startScriptedServer, type LineHandler, type ScriptedServer } from './scripted-server.js';

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
