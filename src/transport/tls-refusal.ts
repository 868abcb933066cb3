import { ConnectionError } from '../errors.js';
import { describeChoice, type TlsChoice } from './tls-choice.js';

/**
 * Handshake failures a TLS choice explains, by who refused: an alert means
 * the server refused what mailsh offered; a local error means mailsh
 * refused what the server chose, or had nothing to offer (RFC 8446 §6.2).
 */
const REFUSALS: Record<string, (offered: string) => string> = {
  ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: (o) => `the server refused: no TLS version in common (mailsh offered ${o})`,
  ERR_SSL_UNSUPPORTED_PROTOCOL: (o) => `mailsh refused: the server chose a TLS version outside what mailsh offered (${o})`,
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: (o) => `the server refused: no cipher suite or group in common (mailsh offered ${o})`,
  ERR_SSL_TLSV1_ALERT_INSUFFICIENT_SECURITY: (o) => `the server refused: no cipher suite strong enough for it (mailsh offered ${o})`,
  ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL: (o) => `the server refused: no ALPN protocol in common (mailsh offered ${o})`,
  ERR_SSL_NO_CIPHERS_AVAILABLE: (o) => `mailsh has no cipher suite to offer for these TLS versions (${o})`,
  ERR_SSL_NO_PROTOCOLS_AVAILABLE: (o) => `mailsh has no TLS version to offer (${o})`,
  ERR_SSL_WRONG_CIPHER_RETURNED: (o) => `mailsh refused: the server chose a cipher suite mailsh did not offer (${o})`,
  ERR_SSL_WRONG_CURVE: (o) => `mailsh refused: the server chose a group mailsh did not offer (${o})`,
};

/** The one-line error for a handshake the user's choice made fail, if it was that. */
export function describeRefusal(code: string | undefined, where: string, choice: TlsChoice): Error | undefined {
  const offered = describeChoice(choice);
  const reason = code ? REFUSALS[code] : undefined;
  if (!reason || offered === '') return undefined;
  return new ConnectionError(`${where}: TLS handshake failed: ${reason(offered)}`);
}
