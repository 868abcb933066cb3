/**
 * Fast in-process loopback servers for `npm run bench`. They do as little as
 * possible, so the figures measure the clients, and they time each session
 * themselves, so every client is clocked by the same code:
 *
 *   SMTP sink    220 greeting; EHLO → 250 with PIPELINING; DATA → 354, then
 *                discards bytes up to CRLF.CRLF → 250; QUIT → 221, close;
 *                anything else (NOOP, MAIL, RCPT) → 250.
 *   IMAP source  `* OK` greeting; `tag FETCH …` → one `* 1 FETCH (BODY[] {N}`
 *                literal made of the body repeated; LOGOUT → BYE, OK, close;
 *                anything else → `tag OK`.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import type { CertPair } from '../test/support/certs.js';

/** What one client connection did, timed by the server. */
export interface SessionTiming {
  /** Message bytes between DATA's 354 and the ending CRLF.CRLF. */
  dataBytes: number;
  /** From the DATA command to the end of the message (ms). */
  dataMs: number;
  noops: number;
  /** From the first NOOP received to the last one (ms). */
  noopMs: number;
  /** SMTP: when the first MAIL FROM arrived (performance.now(), 0 if never). */
  mailAt: number;
  /** SMTP: when the end of the last message (CRLF.CRLF) arrived (performance.now(), 0 if never). */
  dataEndAt: number;
  /** IMAP: when the FETCH command arrived (performance.now(), 0 if never). */
  fetchAt: number;
  /** When the connection closed (performance.now()). */
  closedAt: number;
}

export interface BenchServer {
  port: number;
  /** One entry per closed connection, in order. */
  readonly sessions: SessionTiming[];
  /** Resolves with the timing of the connection that closes as number `n` (from 0). */
  session(n: number, timeoutMs?: number): Promise<SessionTiming>;
  close(): Promise<void>;
}

const CRLF = Buffer.from('\r\n');
const END_OF_DATA = Buffer.from('\r\n.\r\n');
const EHLO_REPLY = '250-bench.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE\r\n';

function timing(): SessionTiming {
  return { dataBytes: 0, dataMs: 0, noops: 0, noopMs: 0, mailAt: 0, dataEndAt: 0, fetchAt: 0, closedAt: 0 };
}

/** Starts a server on 127.0.0.1 (TLS when `cert` is given) around a connection handler. */
async function listen(cert: CertPair | undefined, handle: (socket: net.Socket, t: SessionTiming) => void): Promise<BenchServer> {
  const sessions: SessionTiming[] = [];
  const waiters = new Set<() => void>();
  const sockets = new Set<net.Socket>();
  const accept = (socket: net.Socket): void => {
    sockets.add(socket);
    // No Nagle: a reply written while an earlier one is unacknowledged would
    // wait for the client's delayed ACK (40 ms on Linux), which timed the
    // pipelining runs of swaks and mailsh alike by TCP's clock, not theirs.
    socket.setNoDelay(true);
    const t = timing();
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      t.closedAt = performance.now();
      sessions.push(t);
      for (const w of [...waiters]) w();
    });
    handle(socket, t);
  };
  const server = cert
    ? tls.createServer({ cert: readFileSync(cert.cert), key: readFileSync(cert.key) }, accept)
    : net.createServer(accept);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    sessions,
    session: (n, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (sessions.length <= n) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(sessions[n]);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`bench server: connection ${n} did not close within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Calls `onLine` for each CRLF-ended line in `chunk` (plus what `pending`
 * held); `onLine` returns how many bytes after the line it consumed itself.
 */
function takeLines(pending: Buffer, chunk: Buffer, onLine: (line: string, rest: Buffer) => number): Buffer {
  let buf = pending.length ? Buffer.concat([pending, chunk]) : chunk;
  for (let i = buf.indexOf(CRLF); i >= 0; i = buf.indexOf(CRLF)) {
    const line = buf.subarray(0, i).toString('latin1');
    buf = buf.subarray(i + 2);
    buf = buf.subarray(onLine(line, buf));
  }
  return Buffer.from(buf);
}

/** The SMTP sink (TLS with `cert`, else plain TCP): see the file comment. */
export function startSmtpSink(cert?: CertPair): Promise<BenchServer> {
  return listen(cert, (socket, t) => {
    let pending: Buffer = Buffer.alloc(0);
    let dataStart = -1;
    // The last bytes of message data seen, to find CRLF.CRLF across chunks;
    // starts as CRLF so an empty message's lone "." also ends it.
    let tail = CRLF;
    let firstNoop = 0;
    /** Consumes message bytes; returns how many, or -1 if the end is not in `bytes`. */
    const data = (bytes: Buffer): number => {
      const joint = Buffer.concat([tail, bytes.subarray(0, END_OF_DATA.length - 1)]).indexOf(END_OF_DATA);
      const end = joint >= 0 ? joint + END_OF_DATA.length - tail.length : bytes.indexOf(END_OF_DATA);
      if (end < 0) {
        t.dataBytes += bytes.length;
        const keep = END_OF_DATA.length - 1;
        tail = Buffer.from(bytes.length >= keep ? bytes.subarray(-keep) : Buffer.concat([tail, bytes]).subarray(-keep));
        return -1;
      }
      const used = joint >= 0 ? end : end + END_OF_DATA.length;
      t.dataBytes += used;
      t.dataEndAt = performance.now();
      t.dataMs = t.dataEndAt - dataStart;
      dataStart = -1;
      tail = CRLF;
      socket.write('250 2.0.0 queued\r\n');
      return used;
    };
    const command = (line: string, rest: Buffer): number => {
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'NOOP') {
        if (t.noops++ === 0) firstNoop = performance.now();
        t.noopMs = performance.now() - firstNoop;
        socket.write('250 2.0.0 ok\r\n');
      } else if (verb === 'EHLO') socket.write(EHLO_REPLY);
      else if (verb === 'DATA') {
        dataStart = performance.now();
        socket.write('354 go ahead\r\n');
        // The message may already be in this chunk (a pipelining client).
        const used = data(rest);
        return used < 0 ? rest.length : used;
      } else if (verb === 'QUIT') socket.end('221 2.0.0 bye\r\n');
      else if (verb === 'MAIL') {
        t.mailAt ||= performance.now();
        socket.write('250 2.0.0 ok\r\n');
      }
      else socket.write('250 2.0.0 ok\r\n');
      return 0;
    };
    socket.on('data', (chunk: Buffer) => {
      // The replies to one chunk of commands go out together, as Postfix
      // sends its replies to a pipelined group: one TLS record and one
      // system call, not one per reply.
      socket.cork();
      try {
        if (dataStart >= 0) {
          const used = data(chunk);
          if (used < 0) return;
          chunk = chunk.subarray(used);
        }
        pending = takeLines(pending, chunk, command);
      } finally {
        socket.uncork();
      }
    });
    socket.write('220 bench.test ESMTP sink\r\n');
  });
}

/** Writes `body` `times` times, waiting for the socket to drain between writes. */
async function writeRepeated(socket: net.Socket, body: Buffer, times: number): Promise<void> {
  const step = 1024 * 1024;
  for (let k = 0; k < times; k++) {
    for (let i = 0; i < body.length; i += step) {
      if (socket.destroyed) return;
      if (!socket.write(body.subarray(i, i + step))) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            socket.off('drain', done);
            socket.off('close', done);
            resolve();
          };
          socket.on('drain', done);
          socket.on('close', done);
        });
      }
    }
  }
}

/** The IMAP source over TLS: FETCH returns `body` repeated `times()` times as one literal. */
export function startImapSource(cert: CertPair, body: Buffer, times: () => number): Promise<BenchServer> {
  return listen(cert, (socket, t) => {
    let pending: Buffer = Buffer.alloc(0);
    let queue = Promise.resolve();
    const command = async (line: string): Promise<void> => {
      const [tag, verb = ''] = line.split(' ');
      switch (verb.toUpperCase()) {
        case 'FETCH': {
          t.fetchAt = performance.now();
          const n = times();
          socket.write(`* 1 FETCH (BODY[] {${body.length * n}}\r\n`);
          await writeRepeated(socket, body, n);
          socket.write(`)\r\n${tag} OK FETCH completed\r\n`);
          break;
        }
        case 'LOGOUT':
          socket.end(`* BYE bench source\r\n${tag} OK LOGOUT completed\r\n`);
          break;
        default:
          socket.write(`${tag} OK done\r\n`);
      }
    };
    socket.on('data', (chunk: Buffer) => {
      pending = takeLines(pending, chunk, (line) => {
        queue = queue.then(() => command(line));
        return 0;
      });
    });
    socket.write('* OK [CAPABILITY IMAP4rev1] bench source ready\r\n');
  });
}
