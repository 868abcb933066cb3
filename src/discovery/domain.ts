import { isIP } from 'node:net';
import { domainToASCII, domainToUnicode } from 'node:url';
import { parse } from 'tldts';
import { UsageError } from '../errors.js';

/** A mail domain as DNS and people see it. */
export interface MailDomain {
  /** The A-label form DNS is asked about: `xn--bcher-kva.example`. */
  ascii: string;
  /** The U-label form for display: `bücher.example`. */
  unicode: string;
  /** The part someone registered (tldts, Public Suffix List): `example.co.uk`. */
  registrable: string;
}

/**
 * The domain of `DOMAIN` or `user@DOMAIN`, normalised for DNS: IDN to
 * A-labels (UTS #46 via url.domainToASCII), lower case, no final dot. A bare
 * public suffix (`com`, `co.uk`) is refused: nobody's mail lives there.
 */
export function mailDomain(input: string): MailDomain {
  const at = input.lastIndexOf('@');
  const raw = (at >= 0 ? input.slice(at + 1) : input).trim();
  if (raw === '') throw new UsageError(`"${input}" has no domain`);
  if (raw.startsWith('[')) throw new UsageError(`"${raw}" is an address literal: it has no MX, connect to it directly`);
  const name = raw.endsWith('.') ? raw.slice(0, -1) : raw;
  if (isIP(name)) throw new UsageError(`"${name}" is an IP address, not a domain: connect to it directly`);
  const ascii = domainToASCII(name).toLowerCase();
  if (ascii === '' || !/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(ascii)) throw new UsageError(`"${raw}" is not a valid domain name`);
  const info = parse(ascii);
  if (!info.domain) throw new UsageError(`"${ascii}" is only a public suffix (${info.publicSuffix ?? ascii}): give a domain under it, e.g. example.${ascii}`);
  return { ascii, unicode: domainToUnicode(ascii), registrable: info.domain };
}
