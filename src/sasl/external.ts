import type { SaslCredentials, SaslMechanism } from './mechanism.js';
import { AuthError } from '../errors.js';

/**
 * EXTERNAL (RFC 4422 appendix A): the identity comes from outside SASL (a TLS
 * client certificate); the response is only the authorization identity,
 * usually empty.
 */
export function externalMechanism(creds: Pick<SaslCredentials, 'authzid'>): SaslMechanism {
  return {
    name: 'EXTERNAL',
    start: () => Buffer.from(creds.authzid ?? '', 'utf8'),
    next: () => {
      throw new AuthError('EXTERNAL: the server sent a challenge after the response');
    },
    succeeded: () => undefined,
  };
}
