import { ConnectionError, TimeoutError } from '../errors.js';
import { LineReader, wireLine } from '../framing/line-reader.js';
import type { ProtocolName } from '../protocol/adapter.js';
import { createAdapter } from '../protocol/detect.js';
import { wireBytes } from '../protocol/outgoing.js';
import type { Connection } from '../transport/connection.js';
import type { ObserverSink } from './observer.js';

/**
 * Negotiates STARTTLS for a tunnel before the client is let in (`--starttls`,
 * `submission://`, `sieve://`), with the adapter's own commands and reply
 * tracking, and returns the greeting to hand the client so that it sees a
 * normal session start over what is now TLS:
 * - IMAP: the greeting without its `[CAPABILITY …]` (RFC 9051 §6.2.1: what
 *   was said before TLS must not be trusted), so the client asks again;
 * - SMTP/LMTP, POP3: the greeting as it was; the client's EHLO/CAPA then
 *   gets the capabilities offered over TLS (RFC 3207 §4.2);
 * - ManageSieve: nothing, the server re-announces its capabilities over TLS
 *   unasked (RFC 5804 §2.2), and those are the client's greeting.
 * Commands and replies go to `sink` (the transcript), if any.
 */
export async function startTlsFirst(conn: Connection, protocol: ProtocolName, helloName: string, timeoutMs: number, sink?: ObserverSink): Promise<Buffer> {
  const adapter = createAdapter(protocol);
  const commands = adapter.startTlsCommands(helloName);
  if (!commands) throw new ConnectionError(`${protocol} has no STARTTLS`);
  const reader = new LineReader();
  reader.literals = adapter.literals;
  const greeting: Buffer[] = [];
  let greeted = false;
  let sent = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => finish(new TimeoutError(`${conn.where}: no STARTTLS within ${timeoutMs / 1000} s`)), timeoutMs);
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      conn.off('data', onData);
      conn.off('close', onClose);
      conn.off('error', finish);
      if (err) reject(err);
      else resolve();
    };
    const onClose = (): void => finish(new ConnectionError(`${conn.where}: the server closed the connection before STARTTLS`));
    const onData = (chunk: Buffer): void => {
      sink?.server(chunk);
      let items;
      try {
        items = reader.push(chunk);
      } catch (err) {
        return finish(err as Error);
      }
      for (const item of items) {
        if ('literal' in item) continue;
        if (!greeted) greeting.push(wireLine(item));
        for (const event of adapter.receive(item).events) {
          if (event.type === 'starttls') return finish();
          if (event.type !== 'reply') continue;
          greeted = true;
          if (event.reply.cls === 'fail' || event.reply.cls === 'temp') {
            const what = event.reply.command === '<greeting>' ? 'greeting' : `reply to ${event.reply.command}`;
            return finish(new ConnectionError(`${conn.where}: STARTTLS at connect failed: the server's ${what}: ${event.reply.lines.at(-1) ?? ''}`));
          }
        }
      }
      if (!greeted || adapter.pending > 0) return;
      if (sent === commands.length) return finish(new ConnectionError(`${conn.where}: the server did not accept STARTTLS`));
      const out = adapter.prepare(commands[sent++]).out;
      sink?.client(out);
      void conn.write(wireBytes(out));
    };
    conn.on('data', onData);
    conn.on('close', onClose);
    conn.on('error', finish);
  });
  const said = Buffer.concat(greeting);
  if (protocol === 'sieve') return Buffer.alloc(0);
  if (protocol !== 'imap') return said;
  return Buffer.from(said.toString('latin1').replace(/ ?\[CAPABILITY [^\]]*\]/i, ''), 'latin1');
}
