/**
 * A ceiling for "download" in `npm run bench`: the least a Node client can
 * do that shows a FETCH body as `S:` lines and keeps a transcript of it.
 * Per chunk it makes both with one native replace each and writes them,
 * and checks nothing: no IMAP parsing, no literal tracking, no escaping of
 * control bytes or bare line ends, a record split wherever a chunk ends.
 * mailsh does all of that, so it cannot beat this client; if this client
 * misses a target, so must any Node client that keeps a transcript.
 *
 *   node bench-ref-download.js PORT CA_FILE TRANSCRIPT
 */
import { openSync, readFileSync, writeSync } from 'node:fs';
import tls from 'node:tls';

const [port, caFile, transcript] = process.argv.slice(2);
const log = openSync(transcript, 'w', 0o600);
const socket = tls.connect({ host: '127.0.0.1', port: Number(port), ca: readFileSync(caFile) });
socket.once('data', () => {
  // After the greeting: the command, then whatever comes, until the server closes.
  socket.write('a FETCH 1:* BODY[]\r\nb LOGOUT\r\n');
  socket.on('data', (chunk: Buffer) => {
    const text = chunk.toString('latin1');
    writeSync(1, text.replaceAll('\r\n', '\nS: '), null, 'latin1');
    const prefix = `${new Date().toISOString()} S: `;
    writeSync(log, text.replaceAll('\r\n', `\\r\\n\n${prefix}`), null, 'latin1');
  });
});
socket.on('error', (err) => {
  process.stderr.write(`bench-ref-download: ${err.message}\n`);
  process.exitCode = 3;
});
