/** A scripted line-protocol client for tests: send lines, wait for patterns, upgrade to TLS in place. */
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';

/** A line-protocol conversation over a socket that can be upgraded to TLS. */
export class Dialog {
  private buffer = '';
  private ended = false;
  private wake: () => void = () => undefined;
  private stream!: net.Socket;

  private constructor(stream: net.Socket) {
    this.attach(stream);
  }

  static async open(port: number, ca?: string): Promise<Dialog> {
    const stream = ca
      ? tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' })
      : net.connect({ host: '127.0.0.1', port });
    await once(stream, ca ? 'secureConnect' : 'connect');
    return new Dialog(stream);
  }

  private attach(stream: net.Socket): void {
    this.stream = stream;
    stream.on('data', (chunk: Buffer) => { this.buffer += chunk.toString('latin1'); this.wake(); });
    stream.on('close', () => { this.ended = true; this.wake(); });
    stream.on('error', () => undefined); // surfaces as 'close' / an expect() timeout
  }

  /** Waits until the unread text matches `pattern`; consumes and returns it up to the match's end. */
  async expect(pattern: RegExp, timeoutMs = 5_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.buffer);
      if (match) {
        const end = match.index + match[0].length;
        const text = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end);
        return text;
      }
      const left = deadline - Date.now();
      if (this.ended || left <= 0) {
        throw new Error(`expected ${pattern}, got ${JSON.stringify(this.buffer)}${this.ended ? ' (closed)' : ''}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => { clearTimeout(timer); resolve(); };
      });
    }
  }

  send(line: string): void {
    this.stream.write(`${line}\r\n`);
  }

  /** Wraps the socket in TLS in place (after the server's go-ahead). */
  async startTls(ca: string): Promise<void> {
    this.stream.removeAllListeners('data');
    this.stream.removeAllListeners('close');
    const secure = tls.connect({ socket: this.stream, ca, servername: 'localhost' });
    await once(secure, 'secureConnect');
    this.attach(secure);
  }

  close(): void {
    this.stream.destroy();
  }
}
