/**
 * Serves one IMAP client: gathers each command with its literals (sending
 * `+` for a synchronizing `{N}`, nothing for LITERAL+ `{N+}`, RFC 7888) and
 * hands whole commands, or raw lines during AUTHENTICATE and IDLE, to an
 * ImapSession.
 */
import type { Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import type { ServerItem } from '../framing/line-reader.js';
import { inputLimitMessage, LineConnection } from './line-connection.js';
import type { MailStore } from './mail-store.js';
import { trailingLiteral, type CommandParts } from './imap-command-parser.js';
import { ImapSession } from './imap-session.js';

export function serveImap(socket: Socket, store: MailStore, secureContext: SecureContext, implicitTls: boolean): void {
  let parts: CommandParts = { texts: [], literals: [] };
  let literal: Buffer[] = [];
  const onItem = (item: ServerItem): void => {
    if ('literal' in item) {
      literal.push(item.literal);
      if (item.remaining === 0) {
        parts.literals.push(Buffer.concat(literal));
        literal = [];
      }
      return;
    }
    const line = item.bytes.toString('utf8');
    if (session.expectsRawLine && !item.continued) return session.onRawLine(line);
    parts.texts.push(line);
    const announced = trailingLiteral(line);
    if (announced) {
      if (announced.synchronizing) conn.write('+ OK\r\n');
      // An empty literal ({0}) has no bytes to wait for.
      if (announced.size === 0) parts.literals.push(Buffer.alloc(0));
      return;
    }
    const command = parts;
    parts = { texts: [], literals: [] };
    session.onCommand(command);
  };
  const conn = new LineConnection(
    socket,
    true,
    onItem,
    (err) => conn.end(`* BYE ${inputLimitMessage(err)}\r\n`),
    () => session.closed(),
  );
  const session = new ImapSession(store, {
    send: (data) => conn.write(data),
    close: (last) => conn.end(last),
    startTls: implicitTls ? undefined : () => conn.startTls(secureContext),
  });
  session.greet();
}
