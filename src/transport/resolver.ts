import { Resolver } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { UsageError } from '../errors.js';

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
