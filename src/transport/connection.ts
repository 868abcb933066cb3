import { appendFileSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { connect as netConnect, isIP, type LookupFunction, type Socket } from 'node:net';
import { connect as tlsConnect, createSecureContext, rootCertificates, type TLSSocket } from 'node:tls';
import { domainToASCII } from 'node:url';
import { ConnectionError, TimeoutError, UsageError } from '../errors.js';
import { readUserFile } from '../files/user-file.js';
import { describeConnectError, type ConnectPhase } from './tls-errors.js';
import type { Conn } from './conn.js';
import { summarizeTls, verificationFailure, type TlsSummary } from './tls-summary.js';
import { choiceOptions, type ChoiceOptions, type TlsChoice } from './tls-choice.js';
import { describeRefusal } from './tls-refusal.js';
import { pemBodies } from './certificate-info.js';
import { isLoopbackAddress } from './loopback.js';

/** TLS settings from the command line (SPEC §1, §7). */
export interface TlsSettings {
  /** `-k`: go on when verification fails (the failure is still reported). */
  insecure: boolean;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** `--sni NAME`: the name sent and verified instead of the host. */
  sni?: string;
  /** `--keylog FILE` or SSLKEYLOGFILE: NSS key-log lines for Wireshark. */
  keylogFile?: string;
  /** Implicit TLS to a plaintext port: what to try instead, worded after what the user typed. */
  plaintextHint?: string;
  /** `--tls-min`, `--ciphers`, … or `/tls set`: what the handshake offers. */
  choice?: TlsChoice;
  /**
   * `--dane`: verifies the peer instead of the CA store, resolving to what
   * matched (the TLSA record) or rejecting with the reason.
   */
  verifyPeer?: (info: TlsSummary) => Promise<string>;
  /** A session ticket from an earlier connection, to try resumption (`/tls try`). */
  resume?: Buffer;
}

export interface ConnectOptions {
  host: string;
  port: number;
  implicitTls: boolean;
  family: 0 | 4 | 6;
  timeoutMs: number;
  lookup?: LookupFunction;
  tls: TlsSettings;
}

/**
 * The most a gathered burst holds before it goes out (a pipelined group of
 * a few thousand commands): the group then leaves in one write, as a client
 * that builds it whole sends it (RFC 2920 §3.2), and memory stays small.
 */
const GATHER_LIMIT = 256 * 1024;

/** The tls.connect options, and the trust store they verify against (the chain note of `/tls` needs it). */
interface SecureSetup {
  options: ChoiceOptions;
  trustStore: () => Set<string>;
}

/** Opens a connection; `Connection.open` unless a test says otherwise. */
export type OpenConn = (opts: ConnectOptions) => Promise<Conn>;

/**
 * One TCP connection that may become TLS, at connect or in place after
 * STARTTLS. Emits `data` (Buffer) and `close`; every byte sent passes
 * `write`, the single choke point the session feeds to the transcript.
 */

export class Connection extends EventEmitter implements Conn {
  private socket: Socket;
  private tlsInfo: TlsSummary | undefined;
  private ticket: Buffer | undefined;
  private closed = false;
  /** Settles when the last write has been flushed (or failed). */
  private flushed: Promise<void> = Promise.resolve();
  /** The burst being gathered until the end of this turn (`gatherWrites`). */
  private gathered: Buffer[] | undefined;
  private gatheredBytes = 0;
  /** Write callbacks so far: the stall check's measure of progress. */
  private writesDone = 0;
  private stallTimer: NodeJS.Timeout | undefined;
  readonly where: string;

  private constructor(
    socket: Socket,
    private readonly opts: ConnectOptions,
  ) {
    super();
    this.socket = socket;
    this.where = `${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${opts.port}`;
  }

  /** Connects (and handshakes, for implicit TLS); rejects with a one-line reason. */
  static async open(opts: ConnectOptions): Promise<Connection> {
    // Read now so a bad --ca/--cert/--key fails before connecting; STARTTLS
    // reads them again at upgrade, where `/tls set` may have changed the choice.
    const secure = Connection.secureContext(opts);
    // No Nagle: a command or the end of a message written after a small write
    // would wait for the peer's delayed ACK (up to 40 ms on Linux).
    const tcp = netConnect({ host: opts.host, port: opts.port, family: opts.family || undefined, lookup: opts.lookup, noDelay: true });
    const conn = new Connection(tcp, opts);
    await conn.settle(tcp, 'connect');
    if (opts.implicitTls) await conn.startTls(secure);
    conn.listen();
    return conn;
  }

  /** The address actually connected to, for the transcript. */
  get remote(): string {
    const s = this.socket;
    return s.remoteAddress ? `${s.remoteFamily === 'IPv6' ? `[${s.remoteAddress}]` : s.remoteAddress}:${s.remotePort}` : this.where;
  }

  /** The host and port as given (OAUTHBEARER names them). */
  get host(): string {
    return this.opts.host;
  }

  get port(): number {
    return this.opts.port;
  }

  /** Whether the peer is this machine: nothing sent crosses a network. */
  get loopback(): boolean {
    return isLoopbackAddress(this.socket.remoteAddress);
  }

  get tls(): TlsSummary | undefined {
    return this.tlsInfo;
  }

  /** The server's last session ticket, for a resumption attempt. */
  get sessionTicket(): Buffer | undefined {
    return this.ticket;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Whether bytes written are still waiting for the server to take them. */
  get backlogged(): boolean {
    return this.gatheredBytes > 0 || this.socket.writableLength > 0;
  }

  /**
   * Sends bytes; resolves when the socket can take more (backpressure): at
   * once while the socket's buffer is below its high-water mark, else once
   * the previous write has reached the kernel. So pipelined commands do not
   * wait for each other's write callbacks (the socket gathers them into a few
   * writes), one large write is always queued behind the one being flushed
   * and a large upload keeps the wire busy while memory holds at most two.
   * While a burst is gathered (`gatherWrites`), the bytes join it instead.
   */
  write(bytes: Buffer): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (!this.gathered) return this.send(bytes);
    this.gathered.push(bytes);
    this.gatheredBytes += bytes.length;
    // A burst past GATHER_LIMIT goes out as it grows: memory stays small, the wire busy.
    return this.gatheredBytes < GATHER_LIMIT ? Promise.resolve() : this.sendGathered();
  }

  /**
   * Gathers what is written for the rest of this turn of the event loop into
   * one write, sent in its check phase: a pipelined burst of a thousand
   * commands is then a few TLS records and system calls, not one per
   * command, and nothing per command waits in the socket's queue meanwhile.
   */
  gatherWrites(): void {
    if (this.gathered || this.closed) return;
    this.gathered = [];
    setImmediate(() => {
      void this.sendGathered();
      this.gathered = undefined;
    });
  }

  /** Sends what was gathered so far; gathering goes on for the rest of the turn. */
  private sendGathered(): Promise<void> {
    const parts = this.gathered;
    if (!parts?.length || this.closed) return Promise.resolve();
    this.gathered = [];
    this.gatheredBytes = 0;
    return this.send(parts.length === 1 ? parts[0] : Buffer.concat(parts));
  }

  private send(bytes: Buffer): Promise<void> {
    const previous = this.flushed;
    let room = false;
    this.flushed = new Promise((resolve) => {
      room = this.socket.write(bytes, () => {
        this.writesDone++;
        resolve();
      });
    });
    if (room) return Promise.resolve();
    this.watchWrites();
    return previous;
  }

  /**
   * While bytes wait to be sent, checks each --timeout that some of them
   * went: a server that stops reading (after 354, after `+`, during a large
   * pipelined group) would otherwise hold mailsh for ever, since no reply
   * wait has begun (issue 21 item 9). It ends the connection with a
   * TimeoutError `error` event.
   */
  private watchWrites(): void {
    if (this.stallTimer) return;
    let done = this.writesDone;
    const seconds = this.opts.timeoutMs / 1000;
    this.stallTimer = setInterval(() => {
      if (this.closed || this.socket.writableLength === 0) return this.stopWatchingWrites();
      if (this.writesDone !== done) {
        done = this.writesDone;
        return;
      }
      this.stopWatchingWrites();
      this.emit('error', new TimeoutError(`${this.where}: the server took none of the data mailsh sent within ${seconds}s (it stopped reading)`));
      this.destroy();
    }, this.opts.timeoutMs);
  }

  private stopWatchingWrites(): void {
    clearInterval(this.stallTimer);
    this.stallTimer = undefined;
  }

  /** Stops reading from the server until `resume` (the reader cannot keep up). */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Upgrades this connection to TLS in place (STARTTLS, RFC 3207). */
  async upgrade(): Promise<TlsSummary> {
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('close');
    this.socket.removeAllListeners('error');
    try {
      await this.startTls(Connection.secureContext(this.opts), 'starttls');
    } catch (err) {
      // The listeners are gone, so say here that this connection is over,
      // after the caller has reported why (the transcript's `==` record of
      // the failure comes before `== closed`, issue 17 item 9).
      this.closed = true;
      setImmediate(() => this.emit('close'));
      throw err;
    }
    this.listen();
    return this.tlsInfo!;
  }

  /** Half-closes politely: the server may still send its last words. */
  end(): void {
    void this.sendGathered();
    this.gathered = undefined;
    this.socket.end();
  }

  destroy(): void {
    this.stopWatchingWrites();
    this.socket.destroy();
  }

  /** Reads the user's files once: the CA file serves the context and the trust store. */
  private static secureContext(opts: ConnectOptions): SecureSetup {
    const t = opts.tls;
    const name = Connection.identity(opts);
    // Context-wide settings go into the context; ALPN and OCSP are per connection.
    const { ALPNProtocols, requestOCSP, ...contextChoice } = choiceOptions(t.choice ?? {});
    const ca = t.caFile ? readUserFile(t.caFile, `CA file ${t.caFile}`) : undefined;
    const files = {
      ca,
      cert: t.certFile ? readUserFile(t.certFile, `certificate ${t.certFile}`) : undefined,
      key: t.keyFile ? readUserFile(t.keyFile, `key ${t.keyFile}`) : undefined,
      ...contextChoice,
    };
    let secureContext;
    try {
      secureContext = createSecureContext(files);
    } catch (err) {
      // Not PEM, or a key that does not belong to the certificate: the user's files, one line.
      const given = [t.caFile && `--ca ${t.caFile}`, t.certFile && `--cert ${t.certFile}`, t.keyFile && `--key ${t.keyFile}`].filter(Boolean).join(', ');
      const why = (err as Error).message.replace(/^error:[0-9A-F]+:/i, '').replace(/:+/g, ': ');
      throw new UsageError(`cannot use ${given || 'the TLS settings'}: ${why}`);
    }
    const options = {
      // Verified by `verificationFailure` after the handshake instead, where the
      // certificate is still at hand to say when it expired or which names it
      // holds (issue 17 item 12).
      rejectUnauthorized: false,
      // SNI is for host names only (RFC 6066 §3), never for IP literals.
      servername: isIP(name) ? undefined : name,
      secureContext,
      ALPNProtocols,
      requestOCSP,
    };
    return { options, trustStore: () => new Set(ca ? pemBodies(ca.toString('latin1')) : rootCertificates.flatMap(pemBodies)) };
  }

  /**
   * The name sent as SNI and verified: `--sni` or the host, as ASCII (an
   * internationalized name in punycode, RFC 6066 §3, UTS #46).
   */
  private static identity(opts: ConnectOptions): string {
    const name = opts.tls.sni ?? opts.host;
    if (isIP(name) || /^[\x00-\x7f]*$/.test(name)) return name;
    const ascii = domainToASCII(name);
    if (!ascii) throw new UsageError(`${opts.tls.sni === undefined ? 'host' : '--sni'} ${name} is not a valid host name`);
    return ascii;
  }

  private async startTls(secure: SecureSetup, phase: Exclude<ConnectPhase, 'connect'> = 'handshake'): Promise<void> {
    const identity = Connection.identity(this.opts);
    const tls: TLSSocket = tlsConnect({
      ...secure.options,
      socket: this.socket,
      // Node verifies against `host` when no servername is sent (IP targets).
      host: identity,
      session: this.opts.tls.resume,
    });
    if (this.opts.tls.keylogFile) {
      const file = this.opts.tls.keylogFile;
      tls.on('keylog', (line: Buffer) => appendFileSync(file, line, { mode: 0o600 }));
    }
    // RFC 6066 §8: the stapled response comes before secureConnect; none at all is news too.
    let ocsp: Buffer | null | undefined = secure.options.requestOCSP ? null : undefined;
    tls.once('OCSPResponse', (response: Buffer | null) => (ocsp = response?.length ? response : null));
    this.socket = tls;
    // --dane replaces the CA store (RFC 7672 §3.1.1); the name check stays with it in verifyPeer.
    const checkCa = !this.opts.tls.insecure && !this.opts.tls.verifyPeer;
    await this.settle(tls, 'secureConnect', phase, () => (checkCa ? verificationFailure(tls, identity) : undefined));
    const info = summarizeTls(tls, identity, { trustStore: secure.trustStore, ocsp });
    if (this.opts.tls.verifyPeer) {
      try {
        info.dane = await this.opts.tls.verifyPeer(info);
        info.verify = 'ok';
      } catch (err) {
        if (!this.opts.tls.insecure) {
          tls.destroy();
          throw new ConnectionError(`${this.where}: DANE verification failed: ${(err as Error).message} (use -k to connect anyway)`);
        }
        info.verify = `DANE: ${(err as Error).message}`;
      }
    }
    // TLS 1.3 tickets arrive after the handshake (RFC 8446 §4.6.1).
    tls.on('session', (ticket: Buffer) => {
      info.ticket = true;
      this.ticket = ticket;
    });
    this.tlsInfo = info;
  }

  /** Waits for `event`, turning errors and the timeout into one-line reasons. */
  private settle(socket: Socket, event: 'connect' | 'secureConnect', phase: ConnectPhase = 'connect', check: () => Error | undefined = () => undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })), this.opts.timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        socket.off(event, ok);
        socket.off('error', fail);
        socket.off('close', closed);
      };
      const ok = (): void => {
        const refused = check();
        if (refused) return fail(refused);
        cleanup();
        resolve();
      };
      const fail = (err: Error): void => {
        cleanup();
        socket.destroy();
        const refusal = phase === 'connect' ? undefined : describeRefusal((err as NodeJS.ErrnoException).code, this.where, this.opts.tls.choice ?? {});
        reject(refusal ?? describeConnectError(err, this.where, phase, { plaintextHint: this.opts.tls.plaintextHint }));
      };
      const closed = (): void => fail(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
      socket.once(event, ok);
      socket.once('error', fail);
      socket.once('close', closed);
    });
  }

  private listen(): void {
    this.socket.on('data', (chunk: Buffer) => this.emit('data', chunk));
    this.socket.on('error', (err: NodeJS.ErrnoException) => this.emit('error', describeConnectError(err, this.where)));
    this.socket.on('close', () => {
      this.closed = true;
      this.stopWatchingWrites();
      this.emit('close');
    });
  }
}
