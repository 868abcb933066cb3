import type { AdapterEvent, Prepared } from './adapter.js';
import { Secret, commandLine } from './outgoing.js';
import { escapeBytes } from '../text/escape.js';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Shows a server's base64 SASL challenge (SMTP `334`, IMAP/POP3 `+`) decoded,
 * so a learner sees `Username:` instead of `VXNlcm5hbWU6`. Control bytes are
 * shown escaped (aiosmtpd's `VXNlciBOYW1lAA==` is `User Name\x00`); a
 * challenge that is mostly binary (GSSAPI, NTLM) is left alone.
 */
export function decodeChallenge(text: string): string | undefined {
  const b64 = text.trim();
  if (b64 === '' || !/^[A-Za-z0-9+/]+=*$/.test(b64) || b64.length % 4 !== 0) return undefined;
  const decoded = Buffer.from(b64, 'base64');
  let chars: string;
  try {
    chars = UTF8.decode(decoded);
  } catch {
    return undefined; // not UTF-8: binary
  }
  // Only worth showing when it is mostly readable text.
  const controls = chars.match(/[\x00-\x1f\x7f-\x9f]/g)?.length ?? 0;
  return controls * 4 <= chars.length ? escapeBytes(decoded, 'display') : undefined;
}

/** `*` (`"*"` in Sieve) cancels a SASL exchange. */
function isSaslCancel(line: string): boolean {
  return /^"?\*"?$/.test(line.trim());
}

/**
 * The line typed after a challenge is a SASL response: a secret, and the
 * input after it waits for the server's next step (RFC 4954 §4, RFC 9051
 * §6.2.2, RFC 5034, RFC 5804 §2.1).
 */
export function saslResponse(line: string): Prepared {
  // `*` (`"*"` in Sieve) cancels the exchange: no credential, worth seeing.
  const cancel = isSaslCancel(line);
  return { out: commandLine(cancel ? line : new Secret(line)) };
}

/**
 * How many client messages a mechanism sends in all, the initial response
 * included (RFC 4616, the LOGIN draft, RFC 2195, RFC 5802, RFC 7628, RFC
 * 4422 App. A); an unknown mechanism is taken to send one.
 */
const SASL_RESPONSES: ReadonlyMap<string, number> = new Map([
  ['LOGIN', 2],
  ['SCRAM-SHA-1', 2],
  ['SCRAM-SHA-256', 2],
  ['SCRAM-SHA-1-PLUS', 2],
  ['SCRAM-SHA-256-PLUS', 2],
]);

/**
 * One SASL exchange as typed (`AUTH MECH [ir]`, then a response per
 * challenge): when the server refuses it, how many of the responses typed
 * ahead were meant for it and must not go out as commands.
 */
export class SaslExchange {
  private sent: number;
  private readonly total: number;

  /** `args` is the typed line's words after the verb: the mechanism and maybe an initial response. */
  constructor(args: string) {
    const [mechanism = '', initial] = args.trim().split(/\s+/);
    // ManageSieve quotes the mechanism (`"PLAIN"`).
    this.total = SASL_RESPONSES.get(mechanism.replace(/"/g, '').toUpperCase()) ?? 1;
    this.sent = initial === undefined ? 0 : 1;
  }

  /** A response line went out (a `*` ends the exchange as well). */
  responded(line: string): void {
    this.sent = isSaslCancel(line) ? this.total : this.sent + 1;
  }

  /** The event for a refusal, when responses were still to come. */
  refused(command: string): AdapterEvent[] {
    const lines = this.total - this.sent;
    return lines > 0 ? [{ type: 'refused', command, data: { kind: 'sasl', lines } }] : [];
  }
}

/**
 * A server's SASL challenge (SMTP `334 …`, IMAP/POP3 `+ …`, a Sieve string):
 * shown decoded beside it, and reported so that `/auth` and `{{cram-md5}}`
 * can answer it.
 */
export function challengeSeen(base64: string): { annotation?: string; event: AdapterEvent } {
  return { annotation: decodeChallenge(base64), event: { type: 'challenge', base64: base64.trim() } };
}
