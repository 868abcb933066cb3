import type { TlsSummary } from './tls-summary.js';

/**
 * What a session needs of its connection. `Connection` is the socket one;
 * tests hand a session a scripted peer instead (test/support/scripted-peer.ts),
 * as MailKit's replay streams do.
 */
export interface Conn {
  /** host:port as given, for messages. */
  readonly where: string;
  /** The address actually connected to, for the transcript. */
  readonly remote: string;
  readonly host: string;
  readonly port: number;
  /** Whether the peer is this machine: nothing sent crosses a network. */
  readonly loopback: boolean;
  readonly tls: TlsSummary | undefined;
  /** The TLS session ticket the server gave, to try resumption (`/tls try`). */
  readonly sessionTicket: Buffer | undefined;
  readonly isOpen: boolean;
  /** Bytes written that the peer has not read yet: a FIN behind them would never be seen. */
  readonly backlogged: boolean;
  /** Resolves when more may be written (backpressure). */
  write(bytes: Buffer): Promise<void>;
  /** Gathers the writes of this turn into one. */
  gatherWrites(): void;
  pause(): void;
  resume(): void;
  /** STARTTLS: TLS in place on the same connection. */
  upgrade(): Promise<TlsSummary>;
  /** Half-closes politely. */
  end(): void;
  destroy(): void;
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'close', listener: () => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  once(event: 'close', listener: () => void): this;
}
