import { request } from 'node:https';
import { isIP } from 'node:net';
import { checkServerIdentity } from 'node:tls';
import { UsageError } from '../errors.js';
import { readUserFile } from '../files/user-file.js';
import { isLoopbackAddress } from '../transport/loopback.js';
import { queryDns, txtText, TYPES } from './dns-query.js';

/** An MTA-STS policy (RFC 8461 §3.2). */
export interface StsPolicy {
  mode: 'enforce' | 'testing' | 'none';
  mx: string[];
  maxAge: number;
}

export type StsLookup =
  | { kind: 'none' }
  | { kind: 'error'; reason: string; id?: string }
  | { kind: 'policy'; id: string; policy: StsPolicy };

export interface StsOptions {
  /** `--dns`: the resolver for the TXT records. */
  dns?: string;
  /** `--ca`: the trust store for the policy host (else Node's roots). */
  caFile?: string;
  /** `--mta-sts-address IP:PORT`: fetch from here instead of mta-sts.DOMAIN:443 (tests; loopback only). */
  address?: string;
  timeoutMs: number;
}

/** The TXT records of `name` that start with `prefix` (`v=STSv1`, `v=TLSRPTv1`). */
async function txtRecords(dns: string | undefined, name: string, prefix: string, timeoutMs: number): Promise<string[]> {
  const answer = await queryDns(dns, name, TYPES.TXT, timeoutMs);
  return answer.records.map(txtText).filter((t) => t.replace(/\s/g, '').startsWith(prefix));
}

/** RFC 8461 §3.2: `key: value` lines; `mx` repeats. */
function parsePolicy(text: string): StsPolicy | string {
  const fields = text.split(/\r?\n/).map((l) => /^([a-z_]+):\s*(.*?)\s*$/.exec(l)).filter((m): m is RegExpExecArray => m !== null);
  const get = (k: string): string | undefined => fields.find((m) => m[1] === k)?.[2];
  if (get('version') !== 'STSv1') return 'the policy has no "version: STSv1"';
  const mode = get('mode');
  if (mode !== 'enforce' && mode !== 'testing' && mode !== 'none') return `the policy's mode is "${mode ?? ''}", not enforce, testing or none`;
  const maxAge = Number(get('max_age'));
  if (!Number.isInteger(maxAge) || maxAge < 0) return 'the policy has no valid max_age';
  return { mode, mx: fields.filter((m) => m[1] === 'mx').map((m) => m[2].toLowerCase()), maxAge };
}

/** RFC 8461 §4.1: an `mx` pattern, where `*.` stands for exactly one leftmost label. */
function mxMatches(pattern: string, host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (!pattern.startsWith('*.')) return pattern === h;
  const dot = h.indexOf('.');
  return dot > 0 && h.slice(dot + 1) === pattern.slice(2);
}

function parseAddress(spec: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(spec);
  if (!m || !isIP(m[1]) || !isLoopbackAddress(m[1])) throw new UsageError(`--mta-sts-address needs a loopback IP:PORT (for tests), not "${spec}"`);
  return { host: m[1], port: Number(m[2]) };
}

/** GET https://mta-sts.DOMAIN/.well-known/mta-sts.txt, verified, no redirects (RFC 8461 §3.3). */
function fetchPolicy(domain: string, opts: StsOptions, address: { host: string; port: number } | undefined): Promise<string> {
  const policyHost = `mta-sts.${domain}`;
  const at = address ?? { host: policyHost, port: 443 };
  return new Promise((resolve, reject) => {
    const req = request({
      host: at.host,
      port: at.port,
      path: '/.well-known/mta-sts.txt',
      servername: policyHost,
      headers: { host: policyHost },
      ca: opts.caFile ? readUserFile(opts.caFile, `CA file ${opts.caFile}`) : undefined,
      // The certificate must name the policy host, whatever address was used.
      checkServerIdentity: (_h, cert) => checkServerIdentity(policyHost, cert),
      timeout: opts.timeoutMs,
    }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`HTTP ${res.statusCode}${res.statusCode && res.statusCode >= 300 && res.statusCode < 400 ? ' (redirects are not followed)' : ''}`));
        return;
      }
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => {
        body += d;
        // RFC 8461 §3.3: a policy is small; 64 KiB is plenty.
        if (body.length > 65536) req.destroy(new Error('policy larger than 64 KiB'));
      });
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** The domain's MTA-STS record and policy (RFC 8461 §3.1–3.3). */
export async function lookupMtaSts(domain: string, opts: StsOptions): Promise<StsLookup> {
  const address = opts.address ? parseAddress(opts.address) : undefined;
  const records = await txtRecords(opts.dns, `_mta-sts.${domain}`, 'v=STSv1', opts.timeoutMs);
  if (records.length === 0) return { kind: 'none' };
  if (records.length > 1) return { kind: 'error', reason: 'more than one v=STSv1 TXT record (RFC 8461 §3.1: none is used)' };
  const id = /id=([A-Za-z0-9]{1,32})/.exec(records[0])?.[1];
  if (!id) return { kind: 'error', reason: `the TXT record has no valid id: "${records[0]}"` };
  let text;
  try {
    text = await fetchPolicy(domain, opts, address);
  } catch (err) {
    return { kind: 'error', id, reason: `policy not fetched from https://mta-sts.${domain}/.well-known/mta-sts.txt: ${(err as Error).message}` };
  }
  const policy = parsePolicy(text);
  return typeof policy === 'string' ? { kind: 'error', id, reason: policy } : { kind: 'policy', id, policy };
}

/** The `_smtp._tls` TLS-RPT record (RFC 8460 §3), if any. */
export async function lookupTlsRpt(domain: string, opts: StsOptions): Promise<string | undefined> {
  return (await txtRecords(opts.dns, `_smtp._tls.${domain}`, 'v=TLSRPTv1', opts.timeoutMs))[0];
}

/** The MTA-STS verdict for one MX host whose certificate was (not) valid for its name. */
export function stsVerdict(sts: StsLookup, host: string, certValid: boolean): { level: 'ok' | 'warn' | 'fail' | 'none'; text: string } {
  if (sts.kind === 'none') return { level: 'none', text: 'no policy' };
  if (sts.kind === 'error') return { level: 'fail', text: sts.reason };
  const { mode, mx } = sts.policy;
  if (mode === 'none') return { level: 'none', text: 'policy mode none' };
  const problem = !mx.some((p) => mxMatches(p, host)) ? `${host} matches no mx pattern (${mx.join(', ')})` : !certValid ? 'the certificate is not valid for the host' : undefined;
  if (!problem) return { level: 'ok', text: `${mode}: ok` };
  return mode === 'enforce' ? { level: 'fail', text: `enforce: ${problem}` } : { level: 'warn', text: `testing: ${problem}` };
}
