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

type Address = { address: string; family: 4 | 6 };

/**
 * A `lookup` for net.connect that asks the `--dns` server (like `dig @server`)
 * instead of the system resolver, honouring -4/-6. Node 20's family
 * autoselection (happy eyeballs) asks with `all: true` and wants every
 * address as `{address, family}`; a plain lookup wants the first one.
 */
export function resolverLookup(server: string, family: 0 | 4 | 6): LookupFunction {
  const resolver = new Resolver();
  resolver.setServers([server]);
  const ask = (hostname: string, fam: 4 | 6): Promise<Address[]> =>
    new Promise((resolve, reject) => {
      const done = (err: NodeJS.ErrnoException | null, addrs: string[]): void => (err ? reject(err) : resolve(addrs.map((address) => ({ address, family: fam }))));
      if (fam === 4) resolver.resolve4(hostname, done);
      else resolver.resolve6(hostname, done);
    });
  return (hostname, options, callback) => {
    const families: (4 | 6)[] = family ? [family] : [4, 6];
    void Promise.allSettled(families.map((f) => ask(hostname, f))).then((results) => {
      const found = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
      if (found.length === 0) {
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        callback((failed?.reason as NodeJS.ErrnoException | undefined) ?? Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', families[0]);
      } else if (options.all) {
        (callback as unknown as (err: null, all: Address[]) => void)(null, found);
      } else {
        callback(null, found[0].address, found[0].family);
      }
    });
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
