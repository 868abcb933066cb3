import kleur from 'kleur';
import type { Session } from '../session/session.js';

/**
 * The prompt, built from session state (SPEC §3): protocol, `+tls`, and the
 * mode or mailbox — `imap+tls INBOX> `, `smtp data> `, `imap idle> `.
 */
export function promptFor(session: Session): string {
  if (!session.connected) return kleur.dim('(closed)> ');
  const name = session.raw ? 'raw' : session.protocol;
  const state = session.raw ? '' : session.adapter.promptState;
  return `${kleur.bold(name)}${session.tls ? kleur.green('+tls') : ''}${state ? ` ${kleur.cyan(state)}` : ''}> `;
}
