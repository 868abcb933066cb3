import type { MailDomain } from './domain.js';
import type { MailHost, MailRoute } from './mail-hosts.js';
import type { MailService } from './mail-services.js';

function hostLine(prefix: string, host: MailHost): string {
  const where = host.addresses.length > 0 ? host.addresses.join(' ') : host.problem ? `(${host.problem})` : '(no address)';
  return `${prefix} ${host.name} ${where}`;
}

/** The first line of a report: the domain as typed and as asked about. */
export function domainLine(domain: MailDomain): string {
  const idn = domain.unicode !== domain.ascii ? ` (${domain.ascii})` : '';
  return `domain ${domain.unicode}${idn}, registrable domain ${domain.registrable}`;
}

/**
 * `mailsh mx` output, one record per line like `nslookup -q=mx` (SPEC §1):
 *
 *     MX 10 mx1.example.org 192.0.2.1 2001:db8::1
 *     SRV _imaps._tcp 0 1 993 imap.example.org
 */
export function formatDiscovery(domain: MailDomain, route: MailRoute, services: readonly MailService[]): string[] {
  const lines = [domainLine(domain)];
  if (route.kind === 'null') lines.push(`MX 0 . : ${domain.unicode} accepts no mail (null MX, RFC 7505)`);
  else if (route.kind === 'implicit') {
    lines.push('MX none: mail goes to the domain itself (implicit MX, RFC 5321 §5.1)');
    lines.push(...route.hosts.map((h) => hostLine('A/AAAA', h)));
  } else lines.push(...route.hosts.map((h) => hostLine(`MX ${h.preference}`, h)));
  for (const s of services) {
    if (s.problem) lines.push(`SRV ${s.service} (${s.problem})`);
    else if (s.notOffered) lines.push(`SRV ${s.service} not offered (target ".")`);
    else if (s.records.length === 0) lines.push(`SRV ${s.service} none`);
    else lines.push(...s.records.map((r) => `SRV ${s.service} ${r.priority} ${r.weight} ${r.port} ${r.name}`));
  }
  return lines;
}
