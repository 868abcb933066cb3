import type { ProtocolAdapter, ProtocolName } from './adapter.js';
import { ImapAdapter } from './imap.js';
import { LineAdapter } from './line.js';
import { Pop3Adapter } from './pop3.js';
import { SieveAdapter } from './sieve.js';
import { SmtpAdapter } from './smtp.js';

/**
 * Guesses the protocol from the first greeting line when the port said
 * nothing (SPEC §1): SMTP `220` (or the refusals `421`/`554`, RFC 5321
 * §3.1/§4.2.4), IMAP `* OK`/`* PREAUTH`/`* BYE` (RFC 9051 §7.1), POP3
 * `+OK`/`-ERR` (RFC 1939 §4), ManageSieve a quoted capability such as
 * `"IMPLEMENTATION" "Dovecot"` (RFC 5804 §1.7, the greeting is the
 * capability list, in no fixed order); anything else is plain line mode.
 * A `220` that names LMTP (Cyrus: `220 mx Cyrus LMTP 3.6.1 server ready`)
 * is LMTP (RFC 2033).
 */
export function protocolFromGreeting(line: string): ProtocolName {
  if (/^220[ -].*\bLMTP\b/i.test(line)) return 'lmtp';
  if (/^(220|421|554)([ -]|$)/.test(line)) return 'smtp';
  if (/^\* (OK|PREAUTH|BYE)\b/i.test(line)) return 'imap';
  if (/^(\+OK|-ERR)\b/.test(line)) return 'pop3';
  if (/^"[A-Z][A-Z0-9-]*"(\s|$)/i.test(line)) return 'sieve';
  return 'line';
}

/** A fresh adapter for a protocol; `maxReplyLines` bounds the replies it holds. */
export function createAdapter(protocol: ProtocolName, maxReplyLines?: number): ProtocolAdapter {
  switch (protocol) {
    case 'smtp':
    case 'lmtp':
      return new SmtpAdapter(protocol, maxReplyLines);
    case 'imap':
      return new ImapAdapter(maxReplyLines);
    case 'pop3':
      return new Pop3Adapter(maxReplyLines);
    case 'sieve':
      return new SieveAdapter(maxReplyLines);
    default:
      return new LineAdapter();
  }
}
