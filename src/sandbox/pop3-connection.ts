/** Serves one POP3 client: lines from the socket to a Pop3Session, STLS in place. */
import type { Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import { inputLimitMessage, LineConnection } from './line-connection.js';
import type { MailStore } from './mail-store.js';
import { Pop3Session } from './pop3-session.js';

export function servePop3(socket: Socket, store: MailStore, secureContext: SecureContext, implicitTls: boolean): void {
  const conn = new LineConnection(
    socket,
    false,
    (item) => {
      if ('bytes' in item) session.onLine(item.bytes.toString('utf8'));
    },
    (err) => conn.end(`-ERR ${inputLimitMessage(err)}\r\n`),
    () => undefined,
  );
  const session = new Pop3Session(store, {
    send: (data) => conn.write(data),
    close: (last) => conn.end(last),
    startTls: implicitTls ? undefined : () => conn.startTls(secureContext),
  });
  session.greet();
}
