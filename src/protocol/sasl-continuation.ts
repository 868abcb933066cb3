import type { AdapterEvent, Prepared } from './adapter.js';
import { Secret, commandLine } from './outgoing.js';
import { escapeBytes } from '../transcript/escape.js';

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

/**
 * The line typed after a challenge is a SASL response: a secret, and the
 * input after it waits for the server's next step (RFC 4954 §4, RFC 9051
 * §6.2.2, RFC 5034, RFC 5804 §2.1).
 */
export function saslResponse(line: string): Prepared {
  // `*` (`"*"` in Sieve) cancels the exchange: no credential, worth seeing.
  const cancel = /^"?\*"?$/.test(line.trim());
  return { out: commandLine(cancel ? line : new Secret(line)), blocking: true };
}

/**
 * A server's SASL challenge (SMTP `334 …`, IMAP/POP3 `+ …`, a Sieve string):
 * shown decoded beside it, and reported so that `/auth` and `{{cram-md5}}`
 * can answer it.
 */
export function challengeSeen(base64: string): { annotation?: string; event: AdapterEvent } {
  return { annotation: decodeChallenge(base64), event: { type: 'challenge', base64: base64.trim() } };
}
