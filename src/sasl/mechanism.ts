/**
 * A SASL client mechanism (RFC 4422) as a pure state machine, after Go's
 * `smtp.Auth`: `start` gives the initial response, `next` answers each server
 * challenge, `succeeded` checks what the mechanism must see before it trusts
 * a success (SCRAM's server signature). Bytes in, bytes out: the protocol
 * framing (base64, `AUTH`, `AUTHENTICATE`) is the caller's.
 */
export interface SaslMechanism {
  /** The IANA name: `PLAIN`, `SCRAM-SHA-256`, … */
  readonly name: string;
  /**
   * The initial response, or undefined when the server must speak first
   * (LOGIN, CRAM-MD5). An empty buffer is an empty initial response (`=`).
   */
  start(): Buffer | undefined;
  /** The response to one server challenge; throws AuthError when it is wrong. */
  next(challenge: Buffer): Buffer;
  /** The server said yes: throws AuthError when it did not prove itself. */
  succeeded(): void;
}

/** What a mechanism may need; which parts it needs is in the registry. */
export interface SaslCredentials {
  user: string;
  /** A password, or a bearer token for XOAUTH2/OAUTHBEARER. */
  secret: string;
  /** Authorization identity, when acting for another user. */
  authzid?: string;
  /** The server's host and port, for OAUTHBEARER's `host=`/`port=` (RFC 7628 §3.1). */
  host?: string;
  port?: number;
}
