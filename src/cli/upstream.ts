import { hostname } from 'node:os';
import type { CliOptions } from './args.js';
import { connectOptions } from './session-options.js';
import type { Target } from './target.js';
import type { Transcript } from '../transcript/transcript.js';
import { Connection } from '../transport/connection.js';
import { tlsNote } from '../transport/tls-summary.js';

/** The server end of a tunnel or a proxied connection, and the greeting its client is to get again (after STARTTLS at connect). */
export interface Upstream {
  conn: Connection;
  greeting: Buffer | undefined;
}

/**
 * Connects to TARGET as the tunnel and the proxy do: TLS verified as
 * everywhere in mailsh, STARTTLS at connect done by mailsh; the steps are
 * noted in `transcript`, and a failure too before it is thrown.
 */
export async function openUpstream(opts: CliOptions, target: Target, transcript?: Transcript): Promise<Upstream> {
  const starttls = target.tls === 'starttls' && target.protocol !== 'auto' && target.protocol !== 'line' ? target.protocol : undefined;
  // Loaded only when needed, since a tunnel starts per connection, and before
  // connecting: no server bytes may arrive while a module loads.
  const starting = starttls && (await import('../tunnel/starttls-first.js'));
  let conn: Connection | undefined;
  try {
    conn = await Connection.open(connectOptions(opts, target, target.host));
    transcript?.note(`connected ${conn.remote}`);
    if (conn.tls) transcript?.note(tlsNote(conn.tls));
    if (!starting || !starttls) return { conn, greeting: undefined };
    const greeting = await starting.startTlsFirst(conn, starttls, opts.ehlo ?? hostname(), opts.timeoutSeconds * 1000, transcript);
    transcript?.note(tlsNote(await conn.upgrade()));
    transcript?.note('STARTTLS done by mailsh: the client gets the greeting again');
    return { conn, greeting };
  } catch (err) {
    conn?.destroy();
    transcript?.note(`error ${(err as Error).message}`);
    throw err;
  }
}
