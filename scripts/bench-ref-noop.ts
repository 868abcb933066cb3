/**
 * The round-trip floor in `npm run bench`: a Node client that sends the next
 * SMTP NOOP as soon as the previous reply arrives, COUNT times, then QUIT.
 *
 *   node bench-ref-noop.js PORT COUNT
 */
import net from 'node:net';

const [port, count] = process.argv.slice(2).map(Number);
const socket = net.connect({ host: '127.0.0.1', port });
let replies = 0;
let sent = 0;
let buffered = '';
socket.setEncoding('latin1');
socket.on('data', (text: string) => {
  buffered += text;
  // Each reply is one "250 …" line (the greeting is the first one).
  for (let i = buffered.indexOf('\r\n'); i >= 0; i = buffered.indexOf('\r\n')) {
    buffered = buffered.slice(i + 2);
    replies++;
    if (sent < count) {
      sent++;
      socket.write('NOOP\r\n');
    } else if (replies === count + 1) {
      socket.end('QUIT\r\n');
    }
  }
});
socket.on('error', (err) => {
  process.stderr.write(`bench-ref-noop: ${err.message}\n`);
  process.exitCode = 3;
});
