import { mkdirSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import type { CliOptions } from './args.js';
import { effectiveTarget } from './session-options.js';
import { targetUrl, type Target } from './target.js';
import { EXIT, UsageError, type ExitStatus } from '../errors.js';
import { readUserFile } from '../files/user-file.js';
import { Transcript } from '../transcript/transcript.js';
import { CapabilityFilter } from '../tunnel/capability-filter.js';
import { SessionObserver, type ObserverSink } from '../tunnel/observer.js';
import { starttlsAnswer, starttlsRequest, upstreamRefusal } from '../tunnel/starttls-answer.js';
import { openUpstream } from './upstream.js';

/** After the client's end, how long the server may take to close (as for the tunnel). */
const LINGER_MS = 5000;

const NO_SINK: ObserverSink = { client: () => undefined, server: () => undefined, note: () => undefined };

/** `--listen [HOST:]PORT` (`[::1]:PORT` for IPv6); loopback unless a host is named. */
export function parseListen(text: string | undefined): { host: string; port: number } {
  if (text === undefined) throw new UsageError('mailsh proxy needs --listen [HOST:]PORT');
  const m = /^(?:(\[[^\]]+\]|[^:]+):)?(\d+)$/.exec(text);
  const port = Number(m?.[2]);
  if (!m || port > 65535) throw new UsageError(`--listen: "${text}" is not [HOST:]PORT`);
  return { host: m[1]?.replace(/^\[|\]$/g, '') ?? '127.0.0.1', port };
}

/** A file the user named, or one line saying why it cannot be used (exit 2). */
function userFile<T>(what: string, use: () => T): T {
  try {
    return use();
  } catch (err) {
    throw new UsageError(`${what}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The certificate the proxy ends its clients' STARTTLS with: read as every file the user names, checked at start. */
function listenContext(certFile: string, keyFile: string): tls.SecureContext {
  const cert = readUserFile(certFile, `--listen-cert ${certFile}`);
  const key = readUserFile(keyFile, `--listen-key ${keyFile}`);
  return userFile('--listen-cert/--listen-key', () => tls.createSecureContext({ cert, key }));
}

interface ProxyContext {
  opts: CliOptions;
  target: Target;
  url: string;
  /** Ends the clients' STARTTLS itself (`--listen-cert/--listen-key`). */
  clientTls: tls.SecureContext | undefined;
}

/**
 * `mailsh proxy --listen [HOST:]PORT TARGET` (issue 18): for clients that
 * cannot run a tunnel. Each connection is forwarded to TARGET over verified
 * TLS with its own transcript in --log-dir (masked by a SessionObserver);
 * capabilities the proxy cannot carry are taken out, and a client's
 * STARTTLS is answered here, never forwarded. Runs until SIGINT.
 */
export async function runProxy(opts: CliOptions): Promise<ExitStatus> {
  const listen = parseListen(opts.listen);
  const target = effectiveTarget({ ...opts, positionals: opts.positionals.slice(1) });
  const ctx: ProxyContext = {
    opts,
    target,
    url: targetUrl(target),
    clientTls: opts.listenCert && opts.listenKey ? listenContext(opts.listenCert, opts.listenKey) : undefined,
  };
  if (opts.logDir) userFile(`--log-dir ${opts.logDir}`, () => mkdirSync(opts.logDir!, { recursive: true, mode: 0o700 }));
  const open = new Set<net.Socket>();
  let count = 0;
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    void serve(ctx, socket, ++count);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new UsageError(`--listen ${opts.listen}: ${err.code ?? err.message}`)));
    server.listen(listen.port, listen.host, resolve);
  });
  const bound = server.address() as net.AddressInfo;
  process.stderr.write(`mailsh proxy: listening on ${bound.address.includes(':') ? `[${bound.address}]` : bound.address}:${bound.port} for ${ctx.url} (Ctrl-C stops)\n`);
  await new Promise<void>((resolve) => process.once('SIGINT', resolve));
  server.close();
  for (const socket of open) socket.destroy();
  // Their summaries are printed as they close.
  await new Promise((resolve) => setImmediate(resolve));
  return EXIT.ok;
}

/** One client connection: its upstream, its transcript, its summary line. */
async function serve(ctx: ProxyContext, raw: net.Socket, n: number): Promise<void> {
  const { opts, target } = ctx;
  const started = Date.now();
  const peer = `${raw.remoteAddress}:${raw.remotePort}`;
  const file = opts.logDir ? join(opts.logDir, `${new Date(started).toISOString().replace(/[:.]/g, '-')}-${n}.log`) : undefined;
  const transcript = file ? new Transcript({ file, format: opts.logFormat, target: ctx.url, logSecrets: opts.logSecrets }) : undefined;
  transcript?.note(`proxy: client ${peer}`);
  const bytes = { up: 0, down: 0 };
  const summary = (outcome: string): void => {
    transcript?.note(`closed: ${outcome}`);
    transcript?.close();
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    process.stderr.write(`mailsh proxy: #${n} ${peer}: ${outcome}, ${secs} s, ${bytes.up} bytes up, ${bytes.down} down${file ? `, ${file}` : ''}\n`);
  };
  raw.on('error', () => undefined);
  let upstream;
  try {
    upstream = await openUpstream(opts, target, transcript);
  } catch (err) {
    raw.end(upstreamRefusal(target.protocol, (err as Error).message));
    summary(`refused: ${(err as Error).message}`);
    return;
  }
  const { conn, greeting } = upstream;
  const observer = new SessionObserver(transcript ?? NO_SINK, target.protocol);
  const filter = new CapabilityFilter(target.protocol);
  observer.onCommand = (text) => filter.command(text);
  filter.offerStarttls = ctx.clientTls !== undefined;
  transcript?.note('proxy: STARTTLS, COMPRESS=DEFLATE and SCRAM-*-PLUS are taken out of the capabilities the client gets');

  let client: net.Socket = raw;
  let done = false;
  let linger: NodeJS.Timeout | undefined;
  const finish = (outcome: string): void => {
    if (done) return;
    done = true;
    clearTimeout(linger);
    conn.destroy();
    client.end();
    summary(outcome);
  };
  const toClient = (chunk: Buffer): void => {
    observer.server(chunk);
    const out = filter.push(chunk);
    bytes.down += out.length;
    if (!client.write(out)) {
      conn.pause();
      client.once('drain', () => conn.resume());
    }
    answerWhenDue();
  };
  /** The client's STARTTLS, answered here: refused, or the client's side of TLS ended by the proxy. */
  const answerStarttls = (tag: string | undefined): void => {
    const protocol = target.protocol as Exclude<typeof target.protocol, 'auto'>;
    const accept = filter.offerStarttls;
    const answer = starttlsAnswer(protocol, tag, accept);
    transcript?.note(`the client's STARTTLS was answered by mailsh, not forwarded: ${answer.trim()}`);
    client.write(answer);
    if (!accept) return;
    client.removeAllListeners('data');
    client.removeAllListeners('end');
    const secure = new tls.TLSSocket(client, { isServer: true, secureContext: ctx.clientTls });
    secure.on('error', (err: Error) => finish(`the client's TLS failed: ${err.message}`));
    secure.once('secure', () => {
      filter.offerStarttls = false;
      transcript?.note(`the client's TLS started (${secure.getProtocol()})`);
      // ManageSieve: the capabilities come again over TLS unasked (RFC 5804 §2.2); the proxy asks the server for them.
      if (protocol === 'sieve') fromClient(Buffer.from('CAPABILITY\r\n'));
    });
    client = secure;
    listenClient();
  };
  /** A STARTTLS that ended a pipelined group (RFC 2920 §3.1): answered once the commands before it are. */
  let deferred: { tag?: string } | undefined;
  const answerWhenDue = (): void => {
    if (!deferred || observer.pending > 0) return;
    const { tag } = deferred;
    deferred = undefined;
    answerStarttls(tag);
  };
  const fromClient = (chunk: Buffer): void => {
    // The client's last line, which may be a STARTTLS after other commands.
    const last = chunk.lastIndexOf(0x0a, chunk.length - 2) + 1;
    if (last > 0 && starttlsRequest(target.protocol, chunk.subarray(last))) {
      forward(chunk.subarray(0, last));
      if (!observer.atCommand) return forward(chunk.subarray(last));
      deferred = starttlsRequest(target.protocol, chunk.subarray(last));
      return answerWhenDue();
    }
    const request = observer.atCommand ? starttlsRequest(target.protocol, chunk) : undefined;
    if (request) return answerStarttls(request.tag);
    forward(chunk);
  };
  const forward = (chunk: Buffer): void => {
    observer.client(chunk);
    bytes.up += chunk.length;
    client.pause();
    void conn.write(chunk).then(() => done || client.resume());
  };
  const listenClient = (): void => {
    client.on('data', fromClient);
    client.on('end', () => {
      observer.end();
      conn.end();
      linger = setTimeout(() => finish('the server did not close after the client'), LINGER_MS);
    });
    client.on('close', () => finish('closed by the client'));
    client.on('error', (err: Error) => finish(`client error: ${err.message}`));
    client.resume();
  };
  conn.on('error', (err: Error) => finish(`server error: ${err.message}`));
  // A TLS socket may report its close before the last records it decrypted: those are written first.
  conn.on('close', () => setImmediate(() => finish('closed by the server')));
  conn.on('data', toClient);
  listenClient();
  if (greeting && greeting.length > 0) toClient(greeting);
}
