import { cramMd5Mechanism } from './cram-md5.js';
import { externalMechanism } from './external.js';
import { loginMechanism } from './login.js';
import type { SaslCredentials, SaslMechanism } from './mechanism.js';
import { oauthBearerMechanism, xoauth2Mechanism } from './oauth.js';
import { plainMechanism } from './plain.js';
import { scramMechanism } from './scram.js';

/** What `/auth` must gather before it can start a mechanism. */
export interface MechanismInfo {
  /** `password` or `token`: what to ask for; none for EXTERNAL. */
  secret?: 'password' | 'token';
  create(creds: SaslCredentials): SaslMechanism;
}

/** The client mechanisms `/auth` and `--auth` offer (SPEC §8). */
export const SASL_MECHANISMS: ReadonlyMap<string, MechanismInfo> = new Map<string, MechanismInfo>([
  ['PLAIN', { secret: 'password', create: plainMechanism }],
  ['LOGIN', { secret: 'password', create: loginMechanism }],
  ['CRAM-MD5', { secret: 'password', create: cramMd5Mechanism }],
  ['SCRAM-SHA-1', { secret: 'password', create: (c) => scramMechanism('sha1', c) }],
  ['SCRAM-SHA-256', { secret: 'password', create: (c) => scramMechanism('sha256', c) }],
  ['XOAUTH2', { secret: 'token', create: xoauth2Mechanism }],
  ['OAUTHBEARER', { secret: 'token', create: oauthBearerMechanism }],
  ['EXTERNAL', { create: externalMechanism }],
]);
