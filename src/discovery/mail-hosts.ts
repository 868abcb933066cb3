import type { promises as DnsPromises, MxRecord } from 'node:dns';
import { ConnectionError } from '../errors.js';
import { describeDnsError, isNoData } from '../transport/resolver.js';

type Resolver = DnsPromises.Resolver;

/** One host that takes mail for a domain, with its addresses. */
export interface MailHost {
  /** MX preference (RFC 5321 §5.1: lower is tried first); 0 for the implicit MX. */
  preference: number;
  name: string;
  addresses: string[];
  /** Why an address look-up failed (SERVFAIL, timeout), if one did. */
  problem?: string;
}

/**
 * Where a domain's mail goes: its MX hosts in preference order, the domain
 * itself when it has no MX (the "implicit MX", RFC 5321 §5.1), or nowhere
 * (a null MX, RFC 7505).
 */
export type MailRoute = { kind: 'mx' | 'implicit'; hosts: MailHost[] } | { kind: 'null' };

/** Which address families to look up (`-4`, `-6`, or both). */
export type Family = 0 | 4 | 6;

/** A and AAAA records of `name` (IPv4 first); "no such name" is simply none. */
export async function hostAddresses(resolver: Resolver, name: string, family: Family): Promise<{ addresses: string[]; problem?: string }> {
  const ask = async (type: 'A' | 'AAAA'): Promise<string[]> => {
    try {
      return type === 'A' ? await resolver.resolve4(name) : await resolver.resolve6(name);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (isNoData(err) || code === 'ENOTFOUND') return [];
      throw err;
    }
  };
  try {
    const [v4, v6] = await Promise.all([family === 6 ? [] : ask('A'), family === 4 ? [] : ask('AAAA')]);
    return { addresses: [...v4, ...v6] };
  } catch (err) {
    return { addresses: [], problem: describeDnsError(err, name, 'A/AAAA').message };
  }
}

/**
 * Looks up a domain's mail route (RFC 5321 §5.1). MX hosts of equal
 * preference keep the DNS server's order: the RFC's random pick helps load
 * balancing, while a diagnostic tool should be repeatable.
 */
export async function findMailRoute(resolver: Resolver, domain: string, family: Family): Promise<MailRoute> {
  let records: MxRecord[];
  try {
    records = await resolver.resolveMx(domain);
  } catch (err) {
    if (!isNoData(err)) throw describeDnsError(err, domain, 'MX');
    records = [];
  }
  // RFC 7505 §3: a single MX with the root as exchange means "no mail here".
  if (records.some((r) => r.exchange === '' || r.exchange === '.')) return { kind: 'null' };
  if (records.length === 0) {
    const own = await hostAddresses(resolver, domain, family);
    if (own.problem) throw new ConnectionError(own.problem);
    if (own.addresses.length === 0) throw new ConnectionError(`${domain} has no MX and no address records: it cannot receive mail`);
    return { kind: 'implicit', hosts: [{ preference: 0, name: domain, ...own }] };
  }
  const sorted = records.map((r, i) => ({ ...r, i })).sort((a, b) => a.priority - b.priority || a.i - b.i);
  const hosts = await Promise.all(sorted.map(async (r) => ({ preference: r.priority, name: r.exchange, ...(await hostAddresses(resolver, r.exchange, family)) })));
  return { kind: 'mx', hosts };
}

/** A place to connect to: an address, and the host name to verify TLS against. */
export interface ConnectCandidate {
  address: string;
  name: string;
}

/** Every address of every host in route order: the order SMTP tries them (RFC 5321 §5.1). */
export function connectCandidates(route: MailRoute): ConnectCandidate[] {
  if (route.kind === 'null') return [];
  return route.hosts.flatMap((h) => h.addresses.map((address) => ({ address, name: h.name })));
}
