import { Resolver, promises as DnsPromises } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { ConnectionError, TimeoutError, UsageError } from '../errors.js';

/** Parses `--dns SERVER[:PORT]` (IPv6 as `[::1]:5353`) into a resolver address. */
export function parseDnsServer(spec: string): string {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(spec);
  const [host, port] = v6 ? [v6[1], v6[2]] : spec.includes(':') && isIP(spec) !== 6 ? spec.split(':') : [spec, undefined];
  if (!isIP(host)) throw new UsageError(`--dns needs an IP address, optionally with :PORT, not "${spec}"`);
  if (port !== undefined && !/^\d+$/.test(port)) throw new UsageError(`--dns: bad port in "${spec}"`);
  if (port === undefined) return host;
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * A `lookup` for net.connect that asks the `--dns` server (like `dig @server`)
 * instead of the system resolver, honouring -4/-6.
 */
export function resolverLookup(server: string, family: 0 | 4 | 6): LookupFunction {
  const resolver = new Resolver();
  resolver.setServers([server]);
  return (hostname, _options, callback) => {
    const done = (err: NodeJS.ErrnoException | null, addrs: string[], fam: 4 | 6): void => {
      if (err || addrs.length === 0) callback(err ?? Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', fam);
      else callback(null, addrs[0], fam);
    };
    if (family === 6) resolver.resolve6(hostname, (err, a) => done(err, a, 6));
    else if (family === 4) resolver.resolve4(hostname, (err, a) => done(err, a, 4));
    else resolver.resolve4(hostname, (err, a) => (err || a.length === 0 ? resolver.resolve6(hostname, (e6, a6) => done(e6, a6, 6)) : done(null, a, 4)));
  };
}

/**
 * A promise resolver for MX/SRV/address look-ups: the `--dns` server (a
 * parseDnsServer result) or the system's, giving up after about `timeoutMs`.
 */
export function dnsResolver(server: string | undefined, timeoutMs: number): DnsPromises.Resolver {
  // c-ares waits `timeout` per try and doubles it on the retry: 1/3 + 2/3.
  const resolver = new DnsPromises.Resolver({ timeout: Math.max(1, Math.round(timeoutMs / 3)), tries: 2 });
  if (server !== undefined) resolver.setServers([server]);
  return resolver;
}

/** The DNS answer codes a user needs to tell apart (RFC 1035 §4.1.1, RFC 2308). */
const DNS_REASONS: Record<string, string> = {
  ENOTFOUND: 'no such domain (NXDOMAIN)',
  ESERVFAIL: 'the DNS server failed to answer (SERVFAIL)',
  EREFUSED: 'the DNS server refused the query (REFUSED)',
  ECONNREFUSED: 'the DNS server could not be reached (connection refused)',
  EBADRESP: 'the DNS server sent a malformed answer',
  EFORMERR: 'the DNS server did not understand the query (FORMERR)',
  ENOTIMP: 'the DNS server does not implement this query (NOTIMP)',
  EBADNAME: 'not a valid domain name',
};

/** A DNS failure for `type` records of `name` as a one-line error; a timeout is exit 4. */
export function describeDnsError(err: unknown, name: string, type: string): Error {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (code === 'ETIMEOUT') return new TimeoutError(`DNS ${type} ${name}: no answer from the DNS server (timeout)`);
  const reason = DNS_REASONS[code] ?? `${code || 'lookup failed'}`;
  return new ConnectionError(`DNS ${type} ${name}: ${reason}`);
}

/** Whether a DNS error only says "no records of this type" (NOERROR/NODATA, RFC 2308 §2.2). */
export function isNoData(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENODATA';
}
