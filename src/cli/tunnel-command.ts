import { EXIT, UsageError, type ExitStatus } from '../errors.js';
import type { CliOptions } from './args.js';
import { effectiveTarget } from './session-options.js';
import { targetUrl } from './target.js';
import type { Connection } from '../transport/connection.js';
import { clientStdio, type ClientStdio } from '../tunnel/client-stdio.js';
import type { SessionObserver } from '../tunnel/observer.js';
import { openUpstream } from './upstream.js';

/**
 * After the client's end of input, how long the server may take to say its
 * last words and close (a client that sent LOGOUT/QUIT gets them at once).
 */
const LINGER_MS = 5000;

/**
 * `--emacs`: what Emacs's tls.el waits for before it talks, matching its
 * default `tls-success` and `tls-end-of-info` (the lines gnutls-cli prints).
 * One write, and no blank line after it: one arriving late would be data.
 */
export const EMACS_READY = '- Handshake was completed\n- Simple Client Mode:\n';

/**
 * `mailsh tunnel TARGET` (issue 18): a byte pipe for a mail client's Tunnel,
 * tunnel, plugin or tls-program setting. Standard input goes to the server
 * and the server's bytes to standard output, nothing added and nothing
 * interpreted; TLS is verified as everywhere in mailsh. Silent unless it
 * fails: then one line on stderr, exit 3, and nothing on stdout.
 */
export async function runTunnel(opts: CliOptions): Promise<ExitStatus> {
  const readyLine = readyLineOf(opts);
  const target = effectiveTarget({ ...opts, positionals: opts.positionals.slice(1) });
  const url = targetUrl(target);
  // What only a logged tunnel needs (the transcript and the protocol
  // adapters) is loaded only then, since start-up counts.
  const [logging, observing] = await Promise.all([opts.log ? import('../transcript/transcript.js') : undefined, opts.log ? import('../tunnel/observer.js') : undefined]);
  const transcript = logging && new logging.Transcript({ file: opts.log!, format: opts.logFormat, target: url, logSecrets: opts.logSecrets });
  let upstream;
  try {
    upstream = await openUpstream(opts, target, transcript);
  } catch (err) {
    transcript?.close();
    throw err;
  }
  const observer = transcript && observing ? new observing.SessionObserver(transcript, target.protocol) : undefined;
  try {
    return await pipe(upstream.conn, clientStdio(), observer, upstream.greeting, readyLine);
  } finally {
    transcript?.note('closed');
    transcript?.close();
  }
}

/** Moves bytes both ways until the server closes, the client goes away, or the linger after the client's end runs out. */
function pipe(conn: Connection, client: ClientStdio, observer: SessionObserver | undefined, greeting: Buffer | undefined, readyLine: string | undefined): Promise<ExitStatus> {
  const { input, output } = client;
  return new Promise((resolve) => {
    let done = false;
    let linger: NodeJS.Timeout | undefined;
    const finish = (status: ExitStatus, message?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(linger);
      conn.destroy();
      input.pause();
      if (message) process.stderr.write(`mailsh: ${message}\n`);
      client.finish(() => resolve(status));
    };
    // The client went away: nobody is left to read, so the server connection goes at once.
    const gone = (): void => {
      if (done) return;
      done = true;
      clearTimeout(linger);
      conn.destroy();
      input.destroy();
      resolve(EXIT.ok);
    };
    const toClient = (chunk: Buffer): void => {
      observer?.server(chunk);
      if (!output.write(chunk)) {
        conn.pause();
        output.once('drain', () => conn.resume());
      }
    };
    output.on('error', gone);
    input.on('error', gone);
    conn.on('error', (err: Error) => finish(EXIT.connection, err.message));
    // A TLS socket may report its close before the last records it decrypted: those are written first.
    conn.on('close', () => setImmediate(() => finish(EXIT.ok)));
    conn.on('data', toClient);
    input.on('data', (chunk: Buffer) => {
      observer?.client(chunk);
      input.pause();
      void conn.write(chunk).then(() => done || input.resume());
    });
    input.on('end', () => {
      observer?.end();
      conn.end();
      linger = setTimeout(() => finish(EXIT.ok), LINGER_MS);
    });
    if (readyLine !== undefined) output.write(readyLine);
    if (greeting && greeting.length > 0) toClient(greeting);
  });
}

/** `--ready-line TEXT` / `--emacs`: the line printed once the tunnel is up, with `\n` escapes. */
export function readyLineOf(opts: { readyLine?: string; emacs: boolean }): string | undefined {
  if (opts.emacs && opts.readyLine !== undefined) throw new UsageError('--emacs and --ready-line exclude each other');
  if (opts.emacs) return EMACS_READY;
  return opts.readyLine === undefined ? undefined : `${opts.readyLine.replace(/\\n/g, '\n')}\n`;
}
