import net from 'node:net';
import type { RealServers } from './real-servers.js';

/** Delivers a message over plain SMTP to the MX-style port (no TLS, no AUTH needed for the local domain). */
export function deliver(s: RealServers, to: string, subject: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(s.smtpPort, s.host);
    const steps = [`EHLO t\r\n`, `MAIL FROM:<t@example.org>\r\n`, `RCPT TO:<${to}>\r\n`, 'DATA\r\n', `Subject: ${subject}\r\n\r\nbody of ${subject}\r\n.\r\n`, 'QUIT\r\n'];
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString();
      // Each step after a complete final reply line.
      while (/^\d{3} .*\r\n/m.test(buf)) {
        buf = buf.replace(/^(?:\d{3}-.*\r\n)*\d{3} .*\r\n/, '');
        const next = steps.shift();
        if (next) sock.write(next);
      }
    });
    sock.on('close', () => resolve());
    sock.on('error', reject);
  });
}
