import { X509Certificate } from 'node:crypto';
import type { Writable } from 'node:stream';
import { EXIT, type ExitStatus } from '../errors.js';
import { daneVerdict, lookupTlsa } from '../discovery/dane.js';
import type { MailDomain } from '../discovery/domain.js';
import { findMailRoute, type MailHost } from '../discovery/mail-hosts.js';
import { lookupMtaSts, lookupTlsRpt, stsVerdict, type StsLookup, type StsOptions } from '../discovery/mta-sts.js';
import type { SessionOptions } from '../session/session.js';
import { probeTls, SILENT } from '../session/tls-probe.js';
import { parseDnsServer } from '../transport/resolver.js';
import { TLS_VERSIONS, versionNumber } from '../transport/tls-choice.js';
import type { TlsSummary } from '../transport/tls-summary.js';
import type { CliOptions } from './args.js';
import { cliResolver } from './mx-target.js';
import { sessionOptions } from './session-options.js';

type Level = 'ok' | 'warn' | 'fail' | 'none';
const RANK: Record<Level, number> = { none: 0, ok: 0, warn: 1, fail: 2 };

function stsLine(sts: StsLookup): string {
  if (sts.kind === 'none') return 'MTA-STS   none (no _mta-sts TXT record)';
  if (sts.kind === 'error') return `MTA-STS   error: ${sts.reason}`;
  const p = sts.policy;
  return `MTA-STS   ${p.mode}, id ${sts.id}, mx ${p.mx.join(' ')}, max_age ${p.maxAge}`;
}

/** One MX host: STARTTLS, the versions it accepts, its certificate, DANE and MTA-STS. */
async function checkHost(host: MailHost, opts: CliOptions, sts: StsLookup, port: number, dns: string | undefined): Promise<{ level: Level; lines: string[] }> {
  const where = `${host.preference} ${host.name}`;
  const address = host.addresses[0];
  if (!address) return { level: 'fail', lines: [`${where}: FAIL no address${host.problem ? ` (${host.problem})` : ''}`] };
  // mailsh judges the certificate itself: the handshake goes on whatever it is.
  const base: SessionOptions = sessionOptions({ ...opts, insecure: true }, { host: address, port, protocol: 'smtp', tls: 'starttls' }, address, host.name, SILENT, undefined);
  let tls: TlsSummary;
  try {
    tls = await probeTls(base, 'smtp', {});
  } catch (err) {
    return { level: 'fail', lines: [`${where} [${address}]: FAIL STARTTLS: ${(err as Error).message}`] };
  }
  const accepted: string[] = [];
  for (const v of TLS_VERSIONS) {
    const ok = await probeTls(base, 'smtp', { minVersion: v, maxVersion: v }).then(() => true, () => false);
    if (ok) accepted.push(versionNumber(v));
  }
  const leaf = tls.chain[0];
  const certValid = tls.verify === 'ok';
  const cert: { level: Level; text: string } = certValid ? { level: leaf.daysLeft < 14 ? 'warn' : 'ok', text: `certificate ok (${leaf.daysLeft} days left)` } : { level: 'fail', text: `certificate FAIL: ${tls.verify}` };
  const old = accepted.some((v) => v === '1.0' || v === '1.1');
  const chain = tls.chain.map((c) => new X509Certificate(c.pem));
  let dane: { level: Level; text: string };
  try {
    dane = daneVerdict(await lookupTlsa(dns, host.name, port, opts.timeoutSeconds * 1000), chain, host.name);
  } catch (err) {
    dane = { level: 'fail', text: `TLSA look-up failed: ${(err as Error).message}` };
  }
  const mtaSts = stsVerdict(sts, host.name, certValid);
  const levels: Level[] = [cert.level, dane.level, mtaSts.level, old ? 'warn' : 'ok'];
  const level = levels.reduce((a, b) => (RANK[b] > RANK[a] ? b : a), 'ok' as Level);
  const word = (l: Level): string => (l === 'fail' ? 'FAIL' : l === 'warn' ? 'warn' : l);
  const line = `${where} [${address}]: ${word(level)} STARTTLS ok, TLS ${accepted.join(' ')}, ${cert.text}, DANE ${word(dane.level)}, MTA-STS ${word(mtaSts.level)}`;
  const details = opts.verbose
    ? [
        `    TLS       ${tls.protocol} ${tls.cipher}, ${tls.keyExchange}${old ? '; accepts TLS 1.0/1.1 (deprecated, RFC 8996)' : ''}`,
        `    verified  ${tls.verifyDetail}`,
        `    chain     ${tls.chainNote}`,
        `    leaf      ${leaf.subject}; ${leaf.sans.join(', ')}; pin-sha256:${leaf.pinSha256}`,
        `    DANE      ${dane.text}`,
        `    MTA-STS   ${mtaSts.text}`,
      ]
    : [];
  return { level, lines: [line, ...details] };
}

/**
 * `mailsh mx DOMAIN --tls`: STARTTLS to each MX in preference order and
 * one line per host; exit 1 when any verdict failed (SPEC §1).
 */
export async function runMxTls(domain: MailDomain, opts: CliOptions, out: Writable): Promise<ExitStatus> {
  const dns = opts.dns ? parseDnsServer(opts.dns) : undefined;
  const port = opts.port ?? 25;
  const timeoutMs = opts.timeoutSeconds * 1000;
  const stsOpts: StsOptions = { dns, caFile: opts.ca, address: opts.mtaStsAddress, timeoutMs };
  const [route, sts, rpt] = await Promise.all([findMailRoute(cliResolver(opts), domain.ascii, opts.family), lookupMtaSts(domain.ascii, stsOpts), lookupTlsRpt(domain.ascii, stsOpts)]);
  const say = (line: string): boolean => out.write(`${line}\n`);
  say(stsLine(sts));
  say(`TLS-RPT   ${rpt ?? 'none (no _smtp._tls TXT record)'}`);
  if (route.kind === 'null') {
    say(`${domain.unicode} accepts no mail (null MX, RFC 7505)`);
    return EXIT.ok;
  }
  let worst: Level = sts.kind === 'error' ? 'fail' : 'ok';
  for (const host of route.hosts) {
    const { level, lines } = await checkHost(host, opts, sts, port, dns);
    lines.forEach(say);
    if (RANK[level] > RANK[worst]) worst = level;
  }
  return worst === 'fail' ? EXIT.commandFailed : EXIT.ok;
}
