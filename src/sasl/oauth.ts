import type { SaslCredentials, SaslMechanism } from './mechanism.js';
import { AuthError } from '../errors.js';

/** Google's XOAUTH2 message: `user=USER ^A auth=Bearer TOKEN ^A ^A`. */
export function xoauth2Message(user: string, token: string): Buffer {
  return Buffer.from(`user=${user}\x01auth=Bearer ${token}\x01\x01`, 'utf8');
}

/**
 * The OAUTHBEARER client response (RFC 7628 §3.1): a GS2 header naming the
 * user, then `key=value` pairs separated by ^A, `host`/`port` when known.
 */
export function oauthBearerMessage(user: string, token: string, host?: string, port?: number): Buffer {
  // GS2 escaping of the authzid (RFC 5801 §4): "," and "=" are encoded.
  const authzid = user.replace(/=/g, '=3D').replace(/,/g, '=2C');
  const pairs = [host ? `host=${host}` : '', port ? `port=${port}` : '', `auth=Bearer ${token}`].filter(Boolean);
  return Buffer.from(`n,a=${authzid},\x01${pairs.join('\x01')}\x01\x01`, 'utf8');
}

/**
 * A bearer-token mechanism: the token goes in the initial response; a
 * challenge means the token was refused and carries a JSON error (RFC 7628
 * §3.2.2), which the client acknowledges so the server can fail the command.
 */
function bearerMechanism(name: string, message: Buffer, acknowledgement: Buffer): SaslMechanism {
  let refused = false;
  return {
    name,
    start: () => message,
    next: () => {
      if (refused) throw new AuthError(`${name}: the server sent a second challenge`);
      refused = true;
      return acknowledgement;
    },
    succeeded: () => undefined,
  };
}

/** XOAUTH2 (Google, Microsoft): after an error challenge the client sends an empty response. */
export function xoauth2Mechanism(creds: SaslCredentials): SaslMechanism {
  return bearerMechanism('XOAUTH2', xoauth2Message(creds.user, creds.secret), Buffer.alloc(0));
}

/** OAUTHBEARER (RFC 7628): after an error challenge the client sends a single ^A (§3.2.3). */
export function oauthBearerMechanism(creds: SaslCredentials): SaslMechanism {
  return bearerMechanism('OAUTHBEARER', oauthBearerMessage(creds.user, creds.secret, creds.host, creds.port), Buffer.of(1));
}
