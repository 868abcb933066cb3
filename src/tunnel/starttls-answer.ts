import type { ProtocolName } from '../protocol/adapter.js';

/** `STARTTLS`, `tag STARTTLS` (IMAP) or `STLS` (POP3) alone on a line: the client asks for TLS. */
export function starttlsRequest(protocol: ProtocolName | 'auto', chunk: Buffer): { tag?: string } | undefined {
  if (chunk.length > 64) return undefined;
  const text = chunk.toString('latin1');
  if (protocol === 'imap') {
    const m = /^(\S+) STARTTLS\r?\n$/i.exec(text);
    return m ? { tag: m[1] } : undefined;
  }
  const verb = protocol === 'pop3' ? 'STLS' : 'STARTTLS';
  return new RegExp(`^${verb}\\r?\\n$`, 'i').test(text) && protocol !== 'auto' && protocol !== 'line' ? {} : undefined;
}

/**
 * The proxy's own answer to a client's STARTTLS, in the protocol's shape:
 * go ahead when it ends the client's TLS itself, else a refusal that leaves
 * the session as it was (SMTP 454, RFC 3207 §4; IMAP NO, RFC 9051 §6.2.1;
 * POP3 -ERR, RFC 2595 §4; ManageSieve NO, RFC 5804 §2.2).
 */
export function starttlsAnswer(protocol: ProtocolName, tag: string | undefined, accept: boolean): string {
  const why = 'TLS to the client is not available through mailsh proxy (start it with --listen-cert/--listen-key)';
  switch (protocol) {
    case 'imap':
      return accept ? `${tag} OK Begin TLS negotiation now\r\n` : `${tag} NO ${why}\r\n`;
    case 'pop3':
      return accept ? '+OK Begin TLS negotiation\r\n' : `-ERR ${why}\r\n`;
    case 'sieve':
      return accept ? 'OK "Begin TLS negotiation now"\r\n' : `NO "${why}"\r\n`;
    default:
      return accept ? '220 2.0.0 Ready to start TLS\r\n' : `454 4.7.0 ${why}\r\n`;
  }
}

/** What a client gets when the server cannot be reached: the protocol's way of closing at once. */
export function upstreamRefusal(protocol: ProtocolName | 'auto', message: string): string {
  const why = `mailsh proxy: ${message.replace(/[\r\n"]+/g, ' ')}`;
  switch (protocol) {
    case 'imap':
      return `* BYE ${why}\r\n`;
    case 'pop3':
      return `-ERR ${why}\r\n`;
    case 'sieve':
      return `BYE "${why}"\r\n`;
    case 'smtp':
    case 'lmtp':
      return `421 4.4.0 ${why}\r\n`;
    default:
      return '';
  }
}
