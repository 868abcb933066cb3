import type { ProtocolName } from './adapter.js';

/**
 * Well-known ports (SPEC §1); `tls` marks the implicit-TLS ones. Apart from
 * the adapters: a target is parsed before any adapter is needed, and a
 * tunnel needs none (issue 18: it starts per connection).
 */
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
