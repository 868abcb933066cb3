/**
 * The runtime's floor for "time to greeting" in `npm run bench`: the least a
 * Node program can do to connect over implicit TLS (verifying the server
 * against a CA, as mailsh does), print the greeting and say QUIT.
 *
 *   node bench-ref-greeting.js PORT CA_FILE
 */
import { readFileSync } from 'node:fs';
import tls from 'node:tls';

const [port, caFile] = process.argv.slice(2);
const socket = tls.connect({ host: '127.0.0.1', port: Number(port), ca: readFileSync(caFile) });
socket.once('data', (greeting: Buffer) => {
  process.stdout.write(greeting);
  socket.end('QUIT\r\n');
});
socket.on('error', (err) => {
  process.stderr.write(`bench-ref-greeting: ${err.message}\n`);
  process.exitCode = 3;
});
