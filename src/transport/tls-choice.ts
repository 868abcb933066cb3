import { getCiphers, type ConnectionOptions, type SecureVersion } from 'node:tls';
import { UsageError } from '../errors.js';

/**
 * What the user chose for a handshake (`--tls-min`, `--tls-max`,
 * `--ciphers`, `--groups`, `--alpn`, `--ocsp`), on the command line or with
 * `/tls set` for the next one.
 */
export interface TlsChoice {
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
  /** OpenSSL names: TLS 1.2 suites (ECDHE-RSA-AES128-GCM-SHA256) and TLS 1.3 ones (TLS_AES_128_GCM_SHA256). */
  ciphers?: string[];
  /** Key-exchange groups, most preferred first (X25519, P-256, …). */
  groups?: string[];
  alpn?: string[];
  /** Ask for a stapled OCSP response (RFC 6066 §8). */
  ocsp?: boolean;
}

const VERSIONS: Record<string, SecureVersion> = { '1.0': 'TLSv1', '1.1': 'TLSv1.1', '1.2': 'TLSv1.2', '1.3': 'TLSv1.3' };
/** Every version mailsh can offer, oldest first. */
export const TLS_VERSIONS: readonly SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** `1.2`, `TLSv1.2`, `tls1_2` → `TLSv1.2`. */
export function parseTlsVersion(text: string, flag: string): SecureVersion {
  const v = text.trim().toLowerCase().replace(/^tls(v)?/, '').replace('_', '.').replace(/^1$/, '1.0');
  const version = VERSIONS[v];
  if (!version) throw new UsageError(`${flag} must be one of 1.0, 1.1, 1.2, 1.3, not "${text}"`);
  return version;
}

/** The version as people say it: `TLSv1` → `1.0`. */
export function versionNumber(v: SecureVersion): string {
  return Object.keys(VERSIONS).find((k) => VERSIONS[k] === v)!;
}

/** Cipher suites a client can offer (the PSK and SRP ones need keys mailsh never has). */
function usableCiphers(): string[] {
  return getCiphers()
    .filter((c) => !/psk|srp/.test(c))
    .map((c) => c.toUpperCase());
}

function list(text: string): string[] {
  return text.split(/[,:\s]+/).filter((s) => s !== '');
}

export function parseCiphers(text: string): string[] {
  const valid = usableCiphers();
  const names = list(text).map((c) => c.toUpperCase());
  const bad = names.find((c) => !valid.includes(c));
  if (bad !== undefined || names.length === 0) throw new UsageError(`--ciphers: unknown cipher suite "${bad ?? text}"; valid: ${valid.join(' ')}`);
  return names;
}

/** Group names OpenSSL takes for the key exchange (RFC 8446 §4.2.7), with the names it reports them by. */
const GROUPS: Record<string, string> = {
  x25519: 'X25519',
  x448: 'X448',
  'p-256': 'P-256',
  prime256v1: 'P-256',
  secp256r1: 'P-256',
  'p-384': 'P-384',
  secp384r1: 'P-384',
  'p-521': 'P-521',
  secp521r1: 'P-521',
  ffdhe2048: 'ffdhe2048',
  ffdhe3072: 'ffdhe3072',
  ffdhe4096: 'ffdhe4096',
  ffdhe6144: 'ffdhe6144',
  ffdhe8192: 'ffdhe8192',
};

/** The usual name of a group as OpenSSL reports it (`prime256v1` → `P-256`). */
export function groupName(name: string): string {
  return GROUPS[name.toLowerCase()] ?? name;
}

export function parseGroups(text: string): string[] {
  const names = list(text);
  const bad = names.find((g) => !GROUPS[g.toLowerCase()]);
  if (bad !== undefined || names.length === 0) throw new UsageError(`--groups: unknown group "${bad ?? text}"; valid: ${[...new Set(Object.values(GROUPS))].join(' ')}`);
  return names.map(groupName);
}

/** ALPN protocol ids are 1–255 bytes (RFC 7301 §3.1); printable ASCII is all anyone uses. */
export function parseAlpn(text: string): string[] {
  const ids = text.split(',').map((s) => s.trim());
  const bad = ids.find((id) => !/^[\x21-\x7e]{1,255}$/.test(id));
  if (bad !== undefined) throw new UsageError(`--alpn needs comma-separated protocol names (e.g. smtp,imap), not "${text}"`);
  return ids;
}

/** A choice whose versions cannot meet is a usage error. */
export function checkChoice(choice: TlsChoice): TlsChoice {
  const { minVersion: min, maxVersion: max } = choice;
  if (min && max && TLS_VERSIONS.indexOf(min) > TLS_VERSIONS.indexOf(max)) {
    throw new UsageError(`--tls-min ${versionNumber(min)} is above --tls-max ${versionNumber(max)}`);
  }
  return choice;
}

/** Whether TLS 1.0/1.1 may be spoken: OpenSSL 3 refuses them at its default security level. */
function allowsOldVersions(choice: TlsChoice): boolean {
  const lowest = choice.minVersion ?? (choice.maxVersion && TLS_VERSIONS.indexOf(choice.maxVersion) < 2 ? 'TLSv1' : undefined);
  return lowest !== undefined && TLS_VERSIONS.indexOf(lowest) < 2;
}

/** The note that says the security level was lowered, when it was. */
export function choiceNotes(choice: TlsChoice): string[] {
  return allowsOldVersions(choice) ? ['TLS 1.0/1.1 allowed as asked: OpenSSL security level lowered to 0 for this connection (SHA-1 signatures, short keys accepted)'] : [];
}

/** tls.connect passes requestOCSP on to its TLSSocket; the types leave it out. */
export type ChoiceOptions = ConnectionOptions & { requestOCSP?: boolean };

/** The tls.connect options for a choice. */
export function choiceOptions(choice: TlsChoice): ChoiceOptions {
  const old = allowsOldVersions(choice);
  // A maxVersion below the default minVersion (1.2) needs the minimum lowered too.
  const minVersion = choice.minVersion ?? (old ? 'TLSv1' : undefined);
  let ciphers = choice.ciphers?.join(':');
  // @SECLEVEL=0: TLS 1.0/1.1 sign the handshake with SHA-1 (RFC 8996 deprecates them).
  if (old) ciphers = `${ciphers ?? 'DEFAULT'}:@SECLEVEL=0`;
  return {
    minVersion,
    maxVersion: choice.maxVersion,
    ciphers,
    ecdhCurve: choice.groups?.join(':'),
    ALPNProtocols: choice.alpn,
    requestOCSP: choice.ocsp,
  };
}

/** What was offered, for a refusal: `TLS 1.2–1.3, ciphers A B`. */
export function describeChoice(choice: TlsChoice): string {
  const parts = [];
  if (choice.minVersion || choice.maxVersion) {
    parts.push(`TLS ${versionNumber(choice.minVersion ?? (allowsOldVersions(choice) ? 'TLSv1' : 'TLSv1.2'))}–${versionNumber(choice.maxVersion ?? 'TLSv1.3')}`);
  }
  if (choice.ciphers) parts.push(`ciphers ${choice.ciphers.join(' ')}`);
  if (choice.groups) parts.push(`groups ${choice.groups.join(' ')}`);
  if (choice.alpn) parts.push(`ALPN ${choice.alpn.join(',')}`);
  return parts.join(', ');
}

/** `/tls set` and the command line share these words. */
const CHOICE_FLAGS = ['--tls-min', '--tls-max', '--ciphers', '--groups', '--alpn', '--ocsp'] as const;

/**
 * `/tls set --tls-max 1.2 --ciphers LIST …`: a choice for the next
 * handshake; `words` are shell words.
 */
export function parseChoiceWords(words: string[]): TlsChoice {
  const choice: TlsChoice = {};
  for (let i = 0; i < words.length; i++) {
    const flag = words[i];
    if (flag === '--ocsp') {
      choice.ocsp = true;
      continue;
    }
    const value = words[i + 1];
    if (!(CHOICE_FLAGS as readonly string[]).includes(flag) || value === undefined) {
      throw new UsageError(`usage: /tls set|try [${CHOICE_FLAGS.filter((f) => f !== '--ocsp').map((f) => `${f} V`).join('] [')}] [--ocsp]`);
    }
    i++;
    if (flag === '--tls-min') choice.minVersion = parseTlsVersion(value, flag);
    else if (flag === '--tls-max') choice.maxVersion = parseTlsVersion(value, flag);
    else if (flag === '--ciphers') choice.ciphers = parseCiphers(value);
    else if (flag === '--groups') choice.groups = parseGroups(value);
    else choice.alpn = parseAlpn(value);
  }
  return checkChoice(choice);
}
