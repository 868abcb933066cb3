/**
 * What IMAP response codes mean (the `[CODE]` in `NO [TRYCREATE] …`), for
 * `/explain` and `--explain`: RFC 9051 §7.1, which took in RFC 5530, plus
 * the few common codes of RFC 3501 and RFC 7162. Pure data.
 */
export const IMAP_RESPONSE_CODES: ReadonlyMap<string, string> = new Map([
  ['ALERT', 'a message the server wants shown to the user as is'],
  ['ALREADYEXISTS', 'the mailbox (or other object) to create or rename to already exists'],
  ['APPENDUID', 'the UIDVALIDITY and UID the appended message got (UIDPLUS)'],
  ['AUTHENTICATIONFAILED', 'authentication failed: wrong user name or password, or the mechanism failed'],
  ['AUTHORIZATIONFAILED', 'authenticated, but not allowed to act as the requested authorization identity'],
  ['BADCHARSET', 'SEARCH used a charset the server does not support (it may list those it does)'],
  ['CANNOT', 'the operation violates a server rule and will never succeed'],
  ['CAPABILITY', 'the capability list, sent along so the client need not ask'],
  ['CLIENTBUG', 'the server thinks the client did something odd (the command still worked)'],
  ['CLOSED', 'the previously selected mailbox is now closed'],
  ['CONTACTADMIN', 'the user should contact the system administrator'],
  ['COPYUID', 'the UIDVALIDITY, source UIDs and new UIDs of copied or moved messages (UIDPLUS)'],
  ['CORRUPTION', 'the server found corrupt data (mailbox, index or message)'],
  ['EXPIRED', 'the credentials (password, certificate) have expired'],
  ['EXPUNGEISSUED', 'another session expunged messages; the command may not have seen them'],
  ['HASCHILDREN', 'the mailbox cannot be deleted or renamed because it has child mailboxes'],
  ['HIGHESTMODSEQ', 'the highest mod-sequence of the mailbox (CONDSTORE, RFC 7162)'],
  ['INUSE', 'the mailbox or resource is in use by another session; try again later'],
  ['LIMIT', 'a server limit was hit (e.g. too many mailboxes or too large a request)'],
  ['NOMODSEQ', 'the mailbox does not support mod-sequences (RFC 7162)'],
  ['NONEXISTENT', 'the mailbox (or other object) does not exist'],
  ['NOPERM', 'no permission (access control) for this operation'],
  ['OVERQUOTA', 'the quota is exceeded'],
  ['PARSE', 'the server could not parse a message\'s header or MIME structure'],
  ['PERMANENTFLAGS', 'the flags the client can change permanently (\\* allows new keywords)'],
  ['PRIVACYREQUIRED', 'refused for privacy: use TLS (or another protection) first'],
  ['READ-ONLY', 'the mailbox is selected read-only'],
  ['READ-WRITE', 'the mailbox is selected read-write'],
  ['SERVERBUG', 'the server hit an internal bug'],
  ['TRYCREATE', 'the target mailbox does not exist; CREATE it and try again'],
  ['UIDNEXT', 'the UID the next new message will get'],
  ['UIDNOTSTICKY', 'this mailbox does not keep UIDs across sessions'],
  ['UIDVALIDITY', 'the mailbox\'s UID validity: when it changes, cached UIDs are void'],
  ['UNAVAILABLE', 'a subsystem is down (temporary failure); try again later'],
  ['UNKNOWN-CTE', 'the server cannot decode this content-transfer-encoding (BINARY)'],
  ['UNSEEN', 'the number of the first unseen message (RFC 3501)'],
]);

/** The response code of a status line: `A1 NO [TRYCREATE] x` → `TRYCREATE`. */
export function imapResponseCode(line: string): string | undefined {
  return /^(?:\S+) (?:OK|NO|BAD|PREAUTH|BYE) \[([A-Za-z0-9-]+)/i.exec(line)?.[1].toUpperCase();
}
