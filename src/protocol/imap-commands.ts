import { isExtensionVerb } from './command-words.js';

/**
 * IMAP command words (RFC 9051, RFC 3501 and common extensions), used to tell
 * a typed command from a typed tag: `login alice x` gets a tag, `a login alice
 * x` keeps the user's tag `a`.
 */
export const IMAP_COMMANDS: ReadonlySet<string> = new Set([
  // Any state (RFC 9051 §6.1)
  'CAPABILITY', 'NOOP', 'LOGOUT',
  // Not authenticated (§6.2)
  'STARTTLS', 'AUTHENTICATE', 'LOGIN',
  // Authenticated (§6.3)
  'ENABLE', 'SELECT', 'EXAMINE', 'CREATE', 'DELETE', 'RENAME', 'SUBSCRIBE', 'UNSUBSCRIBE',
  'LIST', 'LSUB', 'NAMESPACE', 'STATUS', 'APPEND', 'IDLE',
  // Selected (§6.4)
  'CHECK', 'CLOSE', 'UNSELECT', 'EXPUNGE', 'SEARCH', 'FETCH', 'STORE', 'COPY', 'MOVE', 'UID',
  // Extensions
  'ID', 'COMPRESS', 'GETQUOTA', 'GETQUOTAROOT', 'SETQUOTA', 'GETACL', 'SETACL', 'DELETEACL',
  'LISTRIGHTS', 'MYRIGHTS', 'GETMETADATA', 'SETMETADATA', 'SORT', 'THREAD', 'ESEARCH',
  'UNAUTHENTICATE', 'REPLACE', 'NOTIFY', 'CONVERT', 'URLFETCH', 'GENURLAUTH', 'RESETKEY',
]);

/** Whether a word is an IMAP command: a known one, or an `X…` extension. */
export function isImapCommand(word: string): boolean {
  const upper = word.toUpperCase();
  return IMAP_COMMANDS.has(upper) || isExtensionVerb(upper);
}
