/**
 * A scripted in-process SMTP server on 127.0.0.1 (port 0) for terminal tests.
 * It records every byte it receives, so a test can assert the exact wire, and
 * lets the test push unsolicited lines to the client at any moment.
 *
 *   greeting   220 fake.test ESMTP
 *   EHLO/HELO  multi-line 250 (PIPELINING, 8BITMIME, AUTH PLAIN LOGIN)
 *   DATA       354, then collects until a lone "." line → 250 2.0.0 queued
 *   QUIT       221 bye, then closes
 *   other      250 ok
 */
import net from 'node:net';

export interface FakeSmtp {
  port: number;
  /** Every byte received so far, over all connections, in order. */
  received(): Buffer;
  /** The received bytes split at CRLF (a trailing partial line is left out). */
  lines(): string[];
  /** Writes text as is to every connected client. */
  broadcast(text: string | Buffer): void;
  /** Resolves once the received bytes (latin1) contain `text`; rejects after `timeoutMs`. */
  waitForReceived(text: string, timeoutMs?: number): Promise<void>;
  /** Resolves once a client is connected and has been greeted. */
  connected(timeoutMs?: number): Promise<void>;
  /** Resolves once every client connection has closed (after QUIT, for instance). */
  clientsClosed(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const EHLO_REPLY = '250-fake.test greets you\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 AUTH PLAIN LOGIN\r\n';

export async function startFakeSmtp(): Promise<FakeSmtp> {
  const chunks: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const waiters = new Set<() => void>();
  let everConnected = false;
  const notify = (): void => {
    for (const w of [...waiters]) w();
  };

  const server = net.createServer((socket) => {
    sockets.add(socket);
    everConnected = true;
    let pending = '';
    let inData = false;
    socket.on('data', (chunk: Buffer) => {
      chunks.push(Buffer.from(chunk));
      // latin1 keeps one char per byte, so nothing is lost in the split.
      pending += chunk.toString('latin1');
      let i: number;
      while ((i = pending.indexOf('\r\n')) >= 0) {
        const line = pending.slice(0, i);
        pending = pending.slice(i + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            socket.write('250 2.0.0 queued\r\n');
          }
          continue;
        }
        const verb = (/^\S*/.exec(line)?.[0] ?? '').toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') socket.write(EHLO_REPLY);
        else if (verb === 'DATA') {
          inData = true;
          socket.write('354 end data with <CR><LF>.<CR><LF>\r\n');
        } else if (verb === 'QUIT') {
          socket.end('221 bye\r\n');
        } else socket.write('250 ok\r\n');
      }
      notify();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      notify();
    });
    socket.write('220 fake.test ESMTP\r\n');
    notify();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;

  const received = (): Buffer => Buffer.concat(chunks);

  /** Resolves when `ready()` holds, re-checked on every server event. */
  const until = (ready: () => boolean, timeoutMs: number, what: string): Promise<void> =>
    new Promise((resolve, reject) => {
      if (ready()) return resolve();
      const check = (): void => {
        if (!ready()) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`fake SMTP: timed out after ${timeoutMs} ms waiting for ${what}; received so far: ${JSON.stringify(received().toString('latin1'))}`));
      }, timeoutMs);
      waiters.add(check);
    });

  return {
    port,
    received,
    lines() {
      const parts = received().toString('latin1').split('\r\n');
      parts.pop();
      return parts;
    },
    broadcast(text) {
      for (const s of sockets) s.write(text);
    },
    waitForReceived(text, timeoutMs = 5000) {
      return until(() => received().toString('latin1').includes(text), timeoutMs, JSON.stringify(text));
    },
    connected(timeoutMs = 5000) {
      return until(() => sockets.size > 0, timeoutMs, 'a client connection');
    },
    clientsClosed(timeoutMs = 5000) {
      return until(() => everConnected && sockets.size === 0, timeoutMs, 'the client connections to close');
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
