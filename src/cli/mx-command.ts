import type { Writable } from 'node:stream';
import { EXIT, UsageError, type ExitStatus } from '../errors.js';
import { mailDomain } from '../discovery/domain.js';
import { findMailRoute } from '../discovery/mail-hosts.js';
import { findMailServices } from '../discovery/mail-services.js';
import { formatDiscovery } from '../discovery/report.js';
import type { CliOptions } from './args.js';
import { cliResolver } from './mx-target.js';

/**
 * `mailsh mx DOMAIN|ADDRESS` (SPEC §1): the MX hosts in preference order
 * with their addresses, and the RFC 6186 SRV records, from the system
 * resolver or `--dns SERVER[:PORT]`; with `--tls`, each MX host's TLS,
 * DANE and MTA-STS checked (mx-tls.ts).
 */
export async function runMx(args: readonly string[], opts: CliOptions, out: Writable): Promise<ExitStatus> {
  if (args.length !== 1) throw new UsageError('usage: mailsh mx DOMAIN|ADDRESS');
  const domain = mailDomain(args[0]);
  if (opts.tls) return (await import('./mx-tls.js')).runMxTls(domain, opts, out);
  const resolver = cliResolver(opts);
  const [route, services] = await Promise.all([findMailRoute(resolver, domain.ascii, opts.family), findMailServices(resolver, domain.ascii)]);
  out.write(formatDiscovery(domain, route, services).map((l) => `${l}\n`).join(''));
  return EXIT.ok;
}
