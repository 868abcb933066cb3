/**
 * An in-process loopback server for CLI tests: the test scripts the replies
 * line by line, may upgrade to TLS in place (STARTTLS) or start in TLS, and
 * every byte received is recorded per connection (as plaintext, after TLS).
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { CertPair } from './certs.js';

export interface ScriptedConn {
  /** Writes bytes as they are (the test adds CRLF). */
  write(text: string | Buffer): void;
  /** Writes and resolves once the bytes left for the socket (false: it closed). */
  flush(text: string | Buffer): Promise<boolean>;
  /** Whether the connection has closed. */
  readonly closed: boolean;
  /** Every byte written to the client so far (plaintext of this connection). */
  sent(): Buffer;
  /** Upgrades this connection to TLS as the server side, in place. */
  startTls(): Promise<void>;
  end(text?: string): void;
  /** Stops reading: what the client sends stays in its socket buffers (a server that stopped taking data). */
  pause(): void;
  /** Received bytes so far (plaintext of this connection). */
  received(): Buffer;
  /** Both directions in the order they passed here (an observer's view of the session). */
  exchange(): { from: 'client' | 'server'; bytes: Buffer }[];
  readonly tls: boolean;
}

export type LineHandler = (line: string, conn: ScriptedConn) => void | Promise<void>;

export interface ScriptedServer {
  port: number;
  /** Every connection accepted so far. */
  conns: ScriptedConn[];
  /** Resolves with the received bytes of the first connection once it closed. */
  firstClosed(): Promise<Buffer>;
  close(): Promise<void>;
}

export interface ScriptedOptions {
  greeting?: string | Buffer;
  onLine: LineHandler;
  /** Runs once the connection is up and the greeting (if any) was written. */
  onConnect?: (conn: ScriptedConn) => void | Promise<void>;
  /** Implicit TLS with this certificate. */
  tlsCert?: CertPair;
  /** Certificate used for STARTTLS upgrades. */
  starttlsCert?: CertPair;
  /** Extra TLS settings for the server side (versions, ciphers). */
  tlsOptions?: Pick<tls.SecureContextOptions, 'minVersion' | 'maxVersion' | 'ciphers'>;
  /** Receives the server side's NSS key-log lines of every TLS session. */
  onKeylog?: (line: Buffer) => void;
}

function secureContext(pair: CertPair, extra: ScriptedOptions['tlsOptions'] = {}): tls.SecureContext {
  return tls.createSecureContext({ cert: readFileSync(pair.cert), key: readFileSync(pair.key), ...extra });
}

export async function startScriptedServer(opts: ScriptedOptions): Promise<ScriptedServer> {
  const serverTls = (raw: net.Socket, pair: CertPair): tls.TLSSocket => {
    const secure = new tls.TLSSocket(raw, { isServer: true, secureContext: secureContext(pair, opts.tlsOptions) });
    if (opts.onKeylog) secure.on('keylog', opts.onKeylog);
    return secure;
  };
  const conns: ScriptedConn[] = [];
  const closed: Promise<Buffer>[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((raw) => {
    sockets.add(raw);
    const chunks: Buffer[] = [];
    const out: Buffer[] = [];
    const both: { from: 'client' | 'server'; bytes: Buffer }[] = [];
    let socket: net.Socket = raw;
    let buffered = '';
    let isTls = false;
    let isClosed = false;
    let queue = Promise.resolve();
    const record = (t: string | Buffer): string | Buffer => {
      // Bytes written after end() never leave: they were not sent.
      if (!isClosed && socket.writable) {
        out.push(Buffer.from(t));
        both.push({ from: 'server', bytes: Buffer.from(t) });
      }
      return t;
    };
    const conn: ScriptedConn = {
      write: (t) => socket.write(record(t)),
      flush: (t) =>
        new Promise((resolve) => {
          if (isClosed) return resolve(false);
          socket.write(record(t), (err) => resolve(!err && !isClosed));
        }),
      sent: () => Buffer.concat(out),
      get closed() {
        return isClosed;
      },
      end: (t) => (t === undefined ? socket.end() : socket.end(record(t))),
      pause: () => socket.pause(),
      received: () => Buffer.concat(chunks),
      exchange: () => both,
      get tls() {
        return isTls;
      },
      startTls: async () => {
        const pair = opts.starttlsCert ?? opts.tlsCert;
        if (!pair) throw new Error('no certificate for STARTTLS');
        raw.removeAllListeners('data');
        const secure = serverTls(raw, pair);
        attach(secure);
        socket = secure;
        isTls = true;
        await once(secure, 'secure');
      },
    };
    const attach = (s: net.Socket): void => {
      s.on('data', (d: Buffer) => {
        chunks.push(d);
        both.push({ from: 'client', bytes: d });
        buffered += d.toString('latin1');
        let i;
        while ((i = buffered.indexOf('\r\n')) >= 0) {
          const line = buffered.slice(0, i);
          buffered = buffered.slice(i + 2);
          queue = queue.then(() => opts.onLine(line, conn));
        }
      });
      s.on('error', () => undefined);
    };
    conns.push(conn);
    closed.push(new Promise((resolve) => raw.on('close', () => {
      isClosed = true;
      sockets.delete(raw);
      resolve(Buffer.concat(chunks));
    })));
    const start = (): void => {
      if (opts.greeting !== undefined) conn.write(opts.greeting);
      void opts.onConnect?.(conn);
    };
    if (opts.tlsCert) {
      const secure = serverTls(raw, opts.tlsCert);
      socket = secure;
      isTls = true;
      attach(secure);
      secure.on('secure', start);
    } else {
      attach(raw);
      start();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    conns,
    firstClosed: async () => {
      while (closed.length === 0) await new Promise((r) => setImmediate(r));
      return closed[0];
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** Replies like a small SMTP server; `extra` may answer first (return true). */
export function smtpHandler(extra?: (line: string, conn: ScriptedConn) => boolean | Promise<boolean>): LineHandler {
  let inData = false;
  return async (line, conn) => {
    if (inData) {
      if (line === '.') {
        inData = false;
        conn.write('250 2.0.0 queued\r\n');
      }
      return;
    }
    if (extra && (await extra(line, conn))) return;
    const verb = line.split(' ')[0].toUpperCase();
    if (verb === 'EHLO') conn.write(`250-test\r\n250-PIPELINING\r\n${conn.tls ? '250 AUTH PLAIN' : '250 STARTTLS'}\r\n`);
    else if (verb === 'STARTTLS') {
      conn.write('220 2.0.0 go ahead\r\n');
      // A failed handshake is the client's to report; the test looks there.
      await conn.startTls().catch(() => undefined);
    } else if (verb === 'DATA') {
      inData = true;
      conn.write('354 go ahead\r\n');
    } else if (verb === 'RCPT' && /@example\.com>/i.test(line)) conn.write('554 5.7.1 Relay access denied\r\n');
    else if (verb === 'QUIT') conn.end('221 2.0.0 bye\r\n');
    else conn.write('250 2.0.0 ok\r\n');
  };
}
