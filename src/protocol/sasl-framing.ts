import type { ProtocolName, Reply } from './adapter.js';

/**
 * How one protocol carries a SASL exchange: the command that starts it, the
 * response lines, the cancel line, and success data. Base64 in and out; the
 * mechanism itself lives in sasl/.
 */
export interface SaslFraming {
  /** The command, with the initial response when one is given ('' means an empty one). */
  command(mechanism: string, initial: string | undefined): string;
  /** Whether the server takes an initial response with the command. */
  initialResponse(capabilities: ReadonlyMap<string, readonly string[]>): boolean;
  /** One response line to a challenge. */
  response(base64: string): string;
  /** Aborts the exchange (RFC 4954 §4, RFC 9051 §6.2.2, RFC 5034 §4, RFC 5804 §2.1). */
  readonly cancel: string;
  /** Data sent with the success reply (Sieve `OK (SASL "…")`), base64. */
  successData(reply: Reply): string | undefined;
  /** SMTP/LMTP: the greeting command AUTH needs first (EHLO/LHLO). */
  hello?(name: string): string;
  /** The mechanisms the server announced, if it said. */
  offered(capabilities: ReadonlyMap<string, readonly string[]>): readonly string[] | undefined;
}

/** SMTP (RFC 4954) and POP3 (RFC 5034): `AUTH MECH [ir]`, `=` for an empty initial response. */
const AUTH_VERB: SaslFraming = {
  command: (mechanism, initial) => (initial === undefined ? `AUTH ${mechanism}` : `AUTH ${mechanism} ${initial || '='}`),
  initialResponse: () => true,
  response: (base64) => base64,
  cancel: '*',
  successData: () => undefined,
  offered: (caps) => caps.get('AUTH') ?? caps.get('SASL'),
};

/** IMAP (RFC 9051 §6.2.2): the initial response only where SASL-IR (RFC 4959) is offered. */
const IMAP: SaslFraming = {
  ...AUTH_VERB,
  command: (mechanism, initial) => (initial === undefined ? `AUTHENTICATE ${mechanism}` : `AUTHENTICATE ${mechanism} ${initial || '='}`),
  initialResponse: (caps) => caps.has('SASL-IR'),
  offered: (caps) => caps.get('AUTH'),
};

/** ManageSieve (RFC 5804 §2.1): arguments and responses are quoted strings. */
const SIEVE: SaslFraming = {
  command: (mechanism, initial) => (initial === undefined ? `AUTHENTICATE "${mechanism}"` : `AUTHENTICATE "${mechanism}" "${initial}"`),
  initialResponse: () => true,
  response: (base64) => `"${base64}"`,
  cancel: '"*"',
  successData: (reply) => /\(SASL "([A-Za-z0-9+/=]*)"\)/i.exec(reply.lines.at(-1) ?? '')?.[1],
  offered: (caps) => caps.get('SASL'),
};

/** The SASL framing of each protocol that has one. */
export function saslFraming(protocol: ProtocolName): SaslFraming | undefined {
  switch (protocol) {
    case 'smtp':
      return { ...AUTH_VERB, hello: (name) => `EHLO ${name}` };
    case 'lmtp':
      return { ...AUTH_VERB, hello: (name) => `LHLO ${name}` };
    case 'pop3':
      return AUTH_VERB;
    case 'imap':
      return IMAP;
    case 'sieve':
      return SIEVE;
    default:
      return undefined;
  }
}
