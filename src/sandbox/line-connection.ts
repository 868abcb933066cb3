/**
 * One client connection of the sandbox's IMAP or POP3 server: bytes in
 * through the shared LineReader (lines and, for IMAP, literals), bytes out,
 * and STARTTLS/STLS upgrading the same TCP connection in place.
 */
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { ProtocolError } from '../errors.js';
import { LineReader, type ServerItem } from '../framing/line-reader.js';

/** Longest command line the sandbox accepts (RFC 7162 §4 suggests at least 8192). */
export const MAX_COMMAND_LINE = 64 * 1024;
/** Largest literal (APPEND) the sandbox accepts. */
export const MAX_LITERAL = 32 * 1024 * 1024;

/** Why a client's input was refused, in words for a last response (BYE, -ERR). */
export function inputLimitMessage(err: Error): string {
  if (err instanceof ProtocolError && err.code === 'LITERAL_TOO_LARGE') return `Literal too large (at most ${MAX_LITERAL} bytes)`;
  return `Line too long (at most ${MAX_COMMAND_LINE} bytes)`;
}

function newReader(literals: boolean): LineReader {
  const reader = new LineReader(MAX_COMMAND_LINE, MAX_LITERAL);
  reader.literals = literals;
  return reader;
}

export class LineConnection {
  private socket: Socket;
  private reader: LineReader;
  private closed = false;

  /**
   * `onItem` gets every line and literal chunk; an error from the
   * reader (a line or literal over the limit) goes to `onError`.
   */
  constructor(
    socket: Socket,
    literals: boolean,
    private readonly onItem: (item: ServerItem) => void,
    private readonly onError: (err: Error) => void,
    private readonly onClose: () => void,
  ) {
    this.reader = newReader(literals);
    this.socket = socket;
    this.attach(socket);
  }

  /** Whether the connection is encrypted (implicit TLS or after STARTTLS). */
  get secure(): boolean {
    return this.socket instanceof TLSSocket;
  }

  private attach(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => {
      if (this.closed) return;
      const reader = this.reader;
      let items: ServerItem[];
      try {
        items = reader.push(chunk);
      } catch (err) {
        this.onError(err as Error);
        return;
      }
      // Stop at STARTTLS (a new reader) or a close: the rest is not to be read.
      for (const item of items) {
        if (this.closed || this.reader !== reader) break;
        this.onItem(item);
      }
    });
    // A client that vanishes is normal; there is nobody to report it to.
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.closed = true;
      this.onClose();
    });
  }

  write(data: string | Buffer): void {
    if (!this.closed) this.socket.write(data);
  }

  /** Writes a last response and closes the connection. */
  end(data: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end(data);
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  /**
   * Wraps the socket in TLS right after the positive STARTTLS/STLS reply.
   * Whatever the client sent after the command and before the handshake is
   * thrown away (RFC 3207 §4.2 for SMTP; the same STARTTLS command-injection
   * rule holds for IMAP, RFC 9051 §6.2.1, and POP3, RFC 2595 §4).
   */
  startTls(secureContext: SecureContext): void {
    this.reader = newReader(this.reader.literals);
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    const secure = new TLSSocket(plain, { isServer: true, secureContext });
    this.socket = secure;
    this.attach(secure);
    plain.on('close', () => secure.destroy());
  }
}
