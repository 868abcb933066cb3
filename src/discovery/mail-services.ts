import type { promises as DnsPromises, SrvRecord } from 'node:dns';
import { describeDnsError, isNoData } from '../transport/resolver.js';

/**
 * The SRV names of RFC 6186 §3 (mail submission and access), with
 * `_submissions` of RFC 8314 §5.1 (submission over implicit TLS).
 */
export const MAIL_SERVICES: readonly string[] = ['_submission._tcp', '_submissions._tcp', '_imap._tcp', '_imaps._tcp', '_pop3._tcp', '_pop3s._tcp'];

/** One service's SRV answer. */
export interface MailService {
  service: string;
  /** In the order to try: priority ascending, then weight descending (RFC 2782). */
  records: SrvRecord[];
  /** The service is "decidedly not available": a single target "." (RFC 2782, RFC 6186 §3.4). */
  notOffered: boolean;
  /** A look-up failure other than "no such record" (SERVFAIL, timeout). */
  problem?: string;
}

/** Looks up every RFC 6186 service of `domain`, in parallel. */
export function findMailServices(resolver: DnsPromises.Resolver, domain: string): Promise<MailService[]> {
  return Promise.all(MAIL_SERVICES.map(async (service): Promise<MailService> => {
    const name = `${service}.${domain}`;
    try {
      const records = (await resolver.resolveSrv(name)).sort((a, b) => a.priority - b.priority || b.weight - a.weight);
      const notOffered = records.length === 1 && (records[0].name === '' || records[0].name === '.');
      return { service, records: notOffered ? [] : records, notOffered };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (isNoData(err) || code === 'ENOTFOUND') return { service, records: [], notOffered: false };
      return { service, records: [], notOffered: false, problem: describeDnsError(err, name, 'SRV').message };
    }
  }));
}
