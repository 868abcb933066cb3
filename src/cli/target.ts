import { isIP } from 'node:net';
import { UsageError } from '../errors.js';
import type { ProtocolName } from '../protocol/adapter.js';
import { WELL_KNOWN_PORTS } from '../protocol/well-known-ports.js';

/** How TLS starts: at connect, after a STARTTLS command, or not at all. */
export type TlsMode = 'implicit' | 'starttls' | 'none';

/** Where to connect and how to talk (SPEC §1). */
export interface Target {
  host: string;
  port: number;
  /** `auto`: from the greeting. */
  protocol: ProtocolName | 'auto';
  tls: TlsMode;
  /** The URL's user part: default user for authentication. */
  user?: string;
}

interface Scheme {
  protocol: ProtocolName;
  port?: number;
  tls: TlsMode;
}

const SCHEMES: Record<string, Scheme> = {
  smtp: { protocol: 'smtp', port: 25, tls: 'none' },
  smtps: { protocol: 'smtp', port: 465, tls: 'implicit' },
  submission: { protocol: 'smtp', port: 587, tls: 'starttls' },
  lmtp: { protocol: 'lmtp', port: 24, tls: 'none' },
  imap: { protocol: 'imap', port: 143, tls: 'none' },
  imaps: { protocol: 'imap', port: 993, tls: 'implicit' },
  pop3: { protocol: 'pop3', port: 110, tls: 'none' },
  pop3s: { protocol: 'pop3', port: 995, tls: 'implicit' },
  sieve: { protocol: 'sieve', port: 4190, tls: 'starttls' },
  tcp: { protocol: 'line', tls: 'none' },
  tls: { protocol: 'line', tls: 'implicit' },
};

function parsePort(text: string, what: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) throw new UsageError(`${what}: "${text}" is not a port number (1-65535)`);
  return port;
}

/** `[::1]` → `::1`; host names are checked for characters that cannot be. */
function parseHost(text: string, what: string): string {
  const host = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (host === '' || (!isIP(host) && !/^[A-Za-z0-9._\-\u0080-\uffff]+$/.test(host))) throw new UsageError(`${what}: "${text}" is not a host name or address`);
  return host;
}

function fromPort(host: string, port: number): Target {
  const known = WELL_KNOWN_PORTS.get(port);
  return { host, port, protocol: known?.protocol ?? 'auto', tls: known?.tls ? 'implicit' : 'none' };
}

/**
 * Parses the TARGET positionals: a URL (`imaps://alice@host:993`), `host:port`
 * (`[::1]:25` for IPv6), or `host port` as with telnet.
 */
export function parseTarget(positionals: readonly string[]): Target {
  if (positionals.length === 0) {
    throw new UsageError('no target: try "mailsh smtp://host", "mailsh host:25" or "mailsh --help"; new here? "mailsh try smtp" (or imap, pop3) practises on local servers');
  }
  if (positionals.length > 2) throw new UsageError(`too many arguments: ${positionals.slice(2).join(' ')}`);
  const [first, second] = positionals;
  const url = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(first);
  if (url) {
    if (second !== undefined) throw new UsageError(`unexpected argument after the URL: ${second}`);
    const scheme = SCHEMES[url[1].toLowerCase()];
    if (!scheme) throw new UsageError(`unknown scheme "${url[1]}://" (known: ${Object.keys(SCHEMES).join(', ')})`);
    // Up to the last `@`: a password may hold `@` or `/` (unencoded).
    const userinfo = url[2].slice(0, Math.max(0, url[2].lastIndexOf('@')));
    if (userinfo.includes(':')) {
      // A password in argv shows in `ps` and the shell history: refused, and never quoted.
      throw new UsageError(`${url[1]}://${userinfo.slice(0, userinfo.indexOf(':'))}:<hidden>@…: a password in the URL is not accepted (it would show in ps and the shell history); type it when asked or set MAILSH_PASSWORD`);
    }
    const m = /^(?:([^@/]*)@)?(\[[^\]]*\]|[^:/]*)(?::([^/]*))?\/?$/.exec(url[2]);
    if (!m) throw new UsageError(`cannot read the URL ${first}`);
    const host = parseHost(m[2], first);
    const port = m[3] !== undefined ? parsePort(m[3], first) : scheme.port;
    if (port === undefined) throw new UsageError(`${url[1]}:// needs a port, e.g. ${url[1]}://${m[2]}:8025`);
    const user = m[1] !== undefined && m[1] !== '' ? decodeURIComponent(m[1]) : undefined;
    return { host, port, protocol: scheme.protocol, tls: scheme.tls, user };
  }
  if (second !== undefined) return fromPort(parseHost(first, 'host'), parsePort(second, 'port'));
  const hp = /^(\[[^\]]*\]|[^:]+):([^:]+)$/.exec(first);
  if (!hp) throw new UsageError(`"${first}" has no port: use host:port, "host port" or a URL such as smtp://${first}`);
  return fromPort(parseHost(hp[1], 'host'), parsePort(hp[2], 'port'));
}

/** The canonical URL of a target, for transcripts and the banner. */
export function targetUrl(t: Target): string {
  const scheme = t.protocol === 'auto' || t.protocol === 'line'
    ? (t.tls === 'implicit' ? 'tls' : 'tcp')
    : t.protocol === 'smtp' && t.tls === 'implicit'
      ? 'smtps'
      : t.protocol === 'smtp' && t.tls === 'starttls'
        ? 'submission'
        : t.tls === 'implicit'
          ? `${t.protocol}s`
          : t.protocol;
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  return `${scheme}://${t.user ? `${encodeURIComponent(t.user)}@` : ''}${host}:${t.port}`;
}
