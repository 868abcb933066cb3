import { hostname } from 'node:os';
import { UsageError } from '../errors.js';
import { daneVerifier } from '../discovery/dane.js';
import type { SessionOptions, SessionOutput } from '../session/session.js';
import { parseDnsServer, resolverLookup } from '../transport/resolver.js';
import type { Transcript } from '../transcript/transcript.js';
import type { ConnectOptions } from '../transport/connection.js';
import type { CliOptions } from './args.js';
import { parseTarget, type Target } from './target.js';

/** Applies -p/--tls/--starttls/--raw on top of what the target implies. */
export function effectiveTarget(opts: CliOptions): Target {
  const target = parseTarget(opts.positionals);
  if (opts.protocol) target.protocol = opts.protocol;
  if (opts.raw) target.protocol = 'line';
  if (opts.tls) target.tls = 'implicit';
  if (opts.starttls) target.tls = 'starttls';
  if (target.tls === 'starttls' && (target.protocol === 'line' || target.protocol === 'auto')) {
    throw new UsageError('--starttls needs a protocol (a URL, a well-known port, or -p)');
  }
  if (opts.user) target.user = opts.user;
  return target;
}

/** The plaintext scheme of each protocol, for the hint after implicit TLS met a plaintext port. */
const PLAIN_SCHEME: Record<Target['protocol'], string> = { smtp: 'smtp', lmtp: 'lmtp', imap: 'imap', pop3: 'pop3', sieve: 'sieve', line: 'tcp', auto: 'tcp' };

/**
 * What to try when implicit TLS meets a plaintext port, in the user's own
 * terms (issue 17 item 12): `--tls` was typed, or a scheme or a port implied it.
 */
function plaintextHint(opts: CliOptions, target: Target): string {
  if (opts.tls) return 'try without --tls, or with --starttls';
  const scheme = /^([a-z0-9]+):\/\//i.exec(opts.positionals[0] ?? '')?.[1].toLowerCase();
  const plain = PLAIN_SCHEME[target.protocol];
  if (scheme) return `try ${plain}:// instead of ${scheme}://, or --starttls`;
  return `port ${target.port} usually expects TLS at once; try ${plain}://HOST:${target.port}, or --starttls`;
}

/**
 * Session options from the command line for one address of the target;
 * `name` is the host name the certificate must carry when `host` is an
 * address (an MX).
 */
export function sessionOptions(opts: CliOptions, target: Target, host: string, name: string | undefined, output: SessionOutput, transcript: Transcript | undefined): SessionOptions {
  return {
    connect: connectOptions(opts, target, host, name),
    protocol: target.protocol,
    starttls: target.tls === 'starttls',
    ehloName: opts.ehlo ?? hostname(),
    timeoutMs: opts.timeoutSeconds * 1000,
    maxLine: opts.maxLine,
    maxLiteral: opts.maxLiteral,
    maxReplyLines: opts.maxReplyLines,
    transcript,
    output,
    explain: opts.explain,
  };
}

/** How to reach one address of the target (`name`: the host name its certificate must carry). */
export function connectOptions(opts: CliOptions, target: Target, host: string, name?: string): ConnectOptions {
  return {
    host,
    port: target.port,
    implicitTls: target.tls === 'implicit',
    family: opts.family,
    timeoutMs: opts.timeoutSeconds * 1000,
    lookup: opts.dns ? resolverLookup(parseDnsServer(opts.dns), opts.family) : undefined,
    // An MX is reached by address; its certificate names the MX host.
    tls: { insecure: opts.insecure, caFile: opts.ca, certFile: opts.cert, keyFile: opts.key, sni: opts.sni ?? name, keylogFile: opts.keylog, plaintextHint: plaintextHint(opts, target), choice: opts.tlsChoice,
      verifyPeer: opts.dane ? daneVerifier(opts.dns ? parseDnsServer(opts.dns) : undefined, name ?? opts.sni ?? host, target.port, opts.timeoutSeconds * 1000) : undefined,
    },
  };
}
