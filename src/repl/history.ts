import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * `$XDG_STATE_HOME/mailsh/history-PROTOCOL` (SPEC §9), `~/.local/state` by
 * default: one history per protocol, so Up in IMAP never offers SMTP verbs.
 */
export function historyPath(env: NodeJS.ProcessEnv, protocol: string): string {
  const state = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(state, 'mailsh', `history-${protocol}`);
}

/** Most recent lines first, as node:readline wants them. */
export function loadHistory(file: string, max: number): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(-max).reverse();
  } catch {
    return [];
  }
}

/**
 * Appends one line to the history file (mode 0600). Only lines whose wire
 * form carries no secret get here: the caller checks the secret marks.
 */
export function appendHistory(file: string, line: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    appendFileSync(file, `${line}\n`, { mode: 0o600 });
  } catch {
    // A read-only home must not break the session; history is a convenience.
  }
}
