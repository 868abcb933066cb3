import type { ProtocolAdapter, ProtocolName } from './adapter.js';
import { ImapAdapter } from './imap.js';
import { LineAdapter } from './line.js';
import { Pop3Adapter } from './pop3.js';
import { SieveAdapter } from './sieve.js';
import { SmtpAdapter } from './smtp.js';

/** Well-known ports (SPEC §1); `tls` marks the implicit-TLS ones. */
export const WELL_KNOWN_PORTS: ReadonlyMap<number, { protocol: ProtocolName; tls: boolean }> = new Map([
  [25, { protocol: 'smtp', tls: false }],
  [587, { protocol: 'smtp', tls: false }],
  [465, { protocol: 'smtp', tls: true }],
  [24, { protocol: 'lmtp', tls: false }],
  [143, { protocol: 'imap', tls: false }],
  [993, { protocol: 'imap', tls: true }],
  [110, { protocol: 'pop3', tls: false }],
  [995, { protocol: 'pop3', tls: true }],
  [4190, { protocol: 'sieve', tls: false }],
]);

/**
 * Guesses the protocol from a greeting line when the port said nothing:
 * `220` SMTP, `* OK` IMAP, `+OK` POP3, else plain line mode.
 */
export function protocolFromGreeting(line: string): ProtocolName {
  if (/^220[ -]/.test(line)) return 'smtp';
  if (/^\* (OK|PREAUTH|BYE)\b/i.test(line)) return 'imap';
  if (/^\+OK\b/.test(line)) return 'pop3';
  if (/^"IMPLEMENTATION"/i.test(line)) return 'sieve';
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
