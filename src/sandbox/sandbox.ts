/**
 * The practice mail servers of `mailsh sandbox` and `mailsh try` (SPEC §11):
 * SMTP (MX, submission, SMTPS), IMAP, IMAPS, POP3 and POP3S on 127.0.0.1
 * only, sharing in-memory mailboxes, with a certificate made at start whose
 * CA is written to a file for `--ca`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { ConnectionError } from '../errors.js';
import { generateSandboxCertificates } from './certificate.js';
import { serveImap } from './imap-connection.js';
import { MailStore } from './mail-store.js';
import { servePop3 } from './pop3-connection.js';
import { createSmtpServer, type SmtpFlavour } from './smtp-service.js';
import { welcomeMessage } from './welcome-message.js';

/** The services, in the order they are listed; the URL scheme is the name. */
export const SERVICE_NAMES = ['smtp', 'submission', 'smtps', 'imap', 'imaps', 'pop3', 'pop3s'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/**
 * Port = base + offset: with the default base 2000, the well-known ports
 * with a 2 in front (2143, 2993, 2110, …), and SMTP on 2525, the customary
 * unprivileged SMTP port.
 */
const PORT_OFFSETS: Record<ServiceName, number> = { smtp: 525, submission: 587, smtps: 465, imap: 143, imaps: 993, pop3: 110, pop3s: 995 };
export const DEFAULT_PORT_BASE = 2000;
const HOST = '127.0.0.1';

export interface SandboxUser {
  name: string;
  password: string;
}

export interface SandboxOptions {
  /** Base of the port numbers; 0 lets the system pick a free port for each service. */
  portBase: number;
  /** Users (default: demo/demo). */
  users: SandboxUser[];
}

export interface Sandbox {
  /** `SERVICE → URL`, e.g. imaps → imaps://127.0.0.1:2993. */
  services: Record<ServiceName, string>;
  users: (SandboxUser & { address: string })[];
  /** PEM file of the CA that signed the servers' certificate. */
  caFile: string;
  store: MailStore;
  /** Closes every listener and connection and removes the CA file. */
  stop(): Promise<void>;
}

export const DEMO_USER: SandboxUser = { name: 'demo', password: 'demo' };

type Listener = { close(callback: () => void): void };

/** Listens on HOST:port; a busy port is a clear error, not a stack trace. */
function listen(server: net.Server, port: number, service: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'the port is in use (another sandbox? try --port-base N)' : err.message;
      reject(new ConnectionError(`cannot listen for ${service} on ${HOST}:${port}: ${why}`));
    });
    server.listen(port, HOST, () => resolve((server.address() as net.AddressInfo).port));
  });
}

/** A line server (IMAP, POP3) that remembers its sockets so stop() can end them. */
function lineServer(serve: (socket: net.Socket) => void, implicitTls?: { key: string; cert: string }): net.Server & { sockets: Set<net.Socket> } {
  const sockets = new Set<net.Socket>();
  const onSocket = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serve(socket);
  };
  const server = implicitTls ? tls.createServer(implicitTls, onSocket) : net.createServer(onSocket);
  // A failed TLS handshake is the client's problem, not the server's.
  server.on('tlsClientError', (_err, socket) => socket.destroy());
  return Object.assign(server, { sockets });
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const users = options.users.length > 0 ? options.users : [DEMO_USER];
  const store = new MailStore();
  for (const u of users) store.addUser(u.name, u.password).inbox.append(welcomeMessage(u.name, store.domain));

  const certs = await generateSandboxCertificates();
  const dir = await mkdtemp(join(tmpdir(), 'mailsh-sandbox-'));
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, certs.caPem, { mode: 0o644 });
  const keyCert = { key: certs.keyPem, cert: certs.certPem };
  const context = tls.createSecureContext(keyCert);

  const listeners: Listener[] = [];
  const lineServers: ReturnType<typeof lineServer>[] = [];
  const services = {} as Record<ServiceName, string>;
  const port = (name: ServiceName): number => (options.portBase === 0 ? 0 : options.portBase + PORT_OFFSETS[name]);
  const stop = async (): Promise<void> => {
    for (const s of lineServers) for (const socket of s.sockets) socket.destroy();
    await Promise.all(listeners.map((l) => new Promise<void>((resolve) => l.close(() => resolve()))));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const smtp: [ServiceName, SmtpFlavour][] = [['smtp', 'mx'], ['submission', 'submission'], ['smtps', 'smtps']];
    for (const [name, flavour] of smtp) {
      const server = createSmtpServer(flavour, store, keyCert);
      // smtp-server's own net/tls server: listen on it directly for the clear error above.
      const bound = await listen(server.server as net.Server, port(name), name);
      listeners.push(server);
      services[name] = `${name}://${HOST}:${bound}`;
    }
    const lines: [ServiceName, (socket: net.Socket) => void, typeof keyCert | undefined][] = [
      ['imap', (s) => serveImap(s, store, context, false), undefined],
      ['imaps', (s) => serveImap(s, store, context, true), keyCert],
      ['pop3', (s) => servePop3(s, store, context, false), undefined],
      ['pop3s', (s) => servePop3(s, store, context, true), keyCert],
    ];
    for (const [name, serve, implicit] of lines) {
      const server = lineServer(serve, implicit);
      const bound = await listen(server, port(name), name);
      listeners.push(server);
      lineServers.push(server);
      services[name] = `${name}://${HOST}:${bound}`;
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    services,
    users: users.map((u) => ({ ...u, address: `${u.name}@${store.domain}` })),
    caFile,
    store,
    stop,
  };
}
