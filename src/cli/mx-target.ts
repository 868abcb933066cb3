import { ConnectionError, UsageError } from '../errors.js';
import type { MailDomain } from '../discovery/domain.js';
import { connectCandidates, findMailRoute, type ConnectCandidate } from '../discovery/mail-hosts.js';
import { dnsResolver, parseDnsServer } from '../transport/resolver.js';
import type { CliOptions } from './args.js';
import type { Target } from './target.js';

/**
 * The domain whose MX to connect to (SPEC §1): `--mx DOMAIN`,
 * `mailsh smtp user@domain`, or `mailsh user@domain`; undefined for any
 * other target.
 */
export function mxInput(opts: CliOptions): string | undefined {
  const [first, second, ...extra] = opts.positionals;
  const isAddress = (s: string | undefined): s is string => s !== undefined && s.includes('@') && !s.includes('://') && !s.includes(':');
  if (opts.mx !== undefined) {
    if (opts.positionals.length > 0) throw new UsageError(`--mx takes the place of TARGET: unexpected ${opts.positionals.join(' ')}`);
    return opts.mx;
  }
  if (extra.length === 0 && first?.toLowerCase() === 'smtp' && isAddress(second)) return second;
  if (second === undefined && isAddress(first)) return first;
  return undefined;
}

/** The resolver for MX/SRV look-ups: `--dns SERVER[:PORT]` or the system's, within --timeout. */
export function cliResolver(opts: CliOptions): ReturnType<typeof dnsResolver> {
  return dnsResolver(opts.dns ? parseDnsServer(opts.dns) : undefined, opts.timeoutSeconds * 1000);
}

/** The target for an MX connection: SMTP on port 25, plain or with --starttls. */
export function mxTarget(opts: CliOptions, domain: MailDomain): Target {
  if (opts.protocol !== undefined && opts.protocol !== 'smtp') throw new UsageError('--mx and user@domain connect with SMTP: drop -p');
  if (opts.tls) throw new UsageError('MX hosts speak SMTP on port 25 with STARTTLS: use --starttls, not --tls');
  return { host: domain.ascii, port: 25, protocol: 'smtp', tls: opts.starttls ? 'starttls' : 'none', user: opts.user };
}

/** Every address of every MX host in preference order; a null MX or no address at all is a connection error. */
export async function mxCandidates(opts: CliOptions, domain: MailDomain): Promise<ConnectCandidate[]> {
  const route = await findMailRoute(cliResolver(opts), domain.ascii, opts.family);
  if (route.kind === 'null') throw new ConnectionError(`${domain.unicode} accepts no mail (null MX, RFC 7505)`);
  const candidates = connectCandidates(route);
  if (candidates.length === 0) throw new ConnectionError(`no MX host of ${domain.unicode} has an address: ${route.hosts.map((h) => h.name).join(', ')}`);
  return candidates;
}
