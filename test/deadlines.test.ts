/**
 * Every wait has a deadline in scripts (issue 21 items 9 and 11): a server
 * that stops reading, or never answers a command mailsh must wait for, ends
 * the script with exit 4 soon after --timeout, while data still streaming
 * in (a POP3 RETR, like an IMAP literal) is no timeout.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bigMessage } from './support/big-message.js';
import { assertSane } from './support/assert-sane.js';
import { runCli, type CliResult } from './support/run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'mailsh-deadlines-'));
const servers: net.Server[] = [];
after(() => {
  for (const s of servers) s.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** A loopback server: `onLine` answers each line and may stop reading (socket.pause()). */
async function lineServer(greeting: string, onLine: (line: string, sock: net.Socket) => void): Promise<number> {
  const srv = net.createServer((sock) => {
    sock.on('error', () => undefined);
    sock.write(greeting);
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      let i;
      while (!sock.isPaused() && (i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        onLine(line, sock);
      }
    });
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return (srv.address() as net.AddressInfo).port;
}

/** Runs mailsh and measures how long it took; the test fails rather than hangs past `limitMs`. */
async function timed(args: string[], limitMs: number): Promise<CliResult & { ms: number }> {
  const start = Date.now();
  let kill: (() => void) | undefined;
  const timer = setTimeout(() => kill?.(), limitMs);
  const r = await runCli(args, [], {}, { onSpawn: (child) => (kill = () => child.kill('SIGKILL')) });
  clearTimeout(timer);
  return { ...r, ms: Date.now() - start };
}

/** Exit 4 within a few seconds of `--timeout 1` (`withinMs`), with one line on stderr. */
const endsAtTimeout = (r: CliResult & { ms: number }, label: string, withinMs = 10_000): void => {
  assertSane(r, 4, label);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, `${label}: one line\n${r.stderr}`);
  assert.ok(r.ms < withinMs, `${label}: ${r.ms} ms`);
};


// The three groups side by side too: their cases mostly wait for --timeout.
describe('deadlines', { concurrency: true }, () => {
  describe('a server that stops reading', { concurrency: true }, () => {
    it('SMTP /send after 354: exit 4 soon after --timeout', async () => {
      const port = await lineServer('220 hi\r\n', (line, sock) => {
        if (/^DATA/i.test(line)) {
          sock.write('354 go ahead\r\n');
          sock.pause();
        } else sock.write('250 ok\r\n');
      });
      const r = await timed([`smtp://127.0.0.1:${port}`, '--timeout', '1', '-e', 'MAIL FROM:<a@b.example>', '-e', 'RCPT TO:<c@d.example>', '-e', `/send ${bigMessage(tmp, 64)}`], 20_000);
      assertSane(r, 4, '/send');
      assert.match(r.stderr, /stopped reading/);
      assert.ok(r.ms < 10_000, `${r.ms} ms`);
    });

    it('IMAP /append after +: exit 4 soon after --timeout', async () => {
      const port = await lineServer('* OK hi\r\n', (line, sock) => {
        const [tag, verb] = line.split(' ');
        if (/^APPEND$/i.test(verb)) {
          sock.write('+ go ahead\r\n');
          sock.pause();
        } else sock.write(`${tag} OK done\r\n`);
      });
      const r = await timed([`imap://127.0.0.1:${port}`, '--timeout', '1', '-e', `/append INBOX ${bigMessage(tmp, 64)}`], 20_000);
      assertSane(r, 4, '/append');
      assert.ok(r.ms < 10_000, `${r.ms} ms`);
    });
  });

  describe('a server that never answers what mailsh must wait for', { concurrency: true }, () => {
    it('--pipeline with an unanswered DATA: exit 4', async () => {
      const port = await lineServer('220 hi\r\n', (line, sock) => {
        if (/^EHLO/i.test(line)) sock.write('250-hi\r\n250 PIPELINING\r\n');
        else if (!/^DATA/i.test(line)) sock.write('250 ok\r\n');
      });
      const r = await timed([`smtp://127.0.0.1:${port}`, '--pipeline', '--timeout', '1', '-e', 'EHLO me', '-e', 'MAIL FROM:<a@b.example>', '-e', 'RCPT TO:<c@d.example>', '-e', 'DATA', '-e', 'Subject: x', '-e', '.'], 20_000);
      endsAtTimeout(r, 'pipeline DATA');
    });

    /** An SMTP server with PIPELINING that answers everything except `silent`. */
    const smtpSilentOn = (silent: RegExp): Promise<number> =>
      lineServer('220 hi\r\n', (line, sock) => {
        if (/^EHLO/i.test(line)) sock.write('250-hi\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n');
        else if (!silent.test(line)) sock.write('250 ok\r\n');
      });

    it('--pipeline with an unanswered STARTTLS: exit 4', async () => {
      const port = await smtpSilentOn(/^STARTTLS/i);
      const r = await timed([`smtp://127.0.0.1:${port}`, '--pipeline', '--timeout', '1', '-e', 'EHLO me', '-e', 'STARTTLS', '-e', 'EHLO me', '-e', 'NOOP'], 20_000);
      endsAtTimeout(r, 'pipeline STARTTLS');
    });

    it('--pipeline with an unanswered AUTH: exit 4', async () => {
      const port = await smtpSilentOn(/^AUTH/i);
      const r = await timed([`smtp://127.0.0.1:${port}`, '--pipeline', '--timeout', '1', '-e', 'EHLO me', '-e', 'AUTH PLAIN', '-e', 'AGFsaWNlAHB3', '-e', 'NOOP'], 20_000);
      endsAtTimeout(r, 'pipeline AUTH');
    });

    it('--pipeline with a synchronizing literal and no +: exit 4', async () => {
      const port = await lineServer('* OK hi\r\n', (line, sock) => {
        if (!/\{\d+\}$/.test(line)) sock.write(`${line.split(' ')[0]} OK done\r\n`);
      });
      const r = await timed([`imap://127.0.0.1:${port}`, '--pipeline', '--timeout', '1', '-e', 'a APPEND INBOX {5}', '-e', 'hello', '-e', 'b NOOP'], 20_000);
      endsAtTimeout(r, 'pipeline literal');
    });

    it('--pipeline: a group of 200,000 RCPTs to a server that stops reading: exit 4', async () => {
      const port = await lineServer('220 hi\r\n', (line, sock) => {
        if (/^EHLO/i.test(line)) sock.write('250-hi\r\n250 PIPELINING\r\n');
        else if (/^MAIL/i.test(line)) {
          sock.write('250 ok\r\n');
          sock.pause();
        } else sock.write('250 ok\r\n');
      });
      const script = join(tmp, 'rcpts.txt');
      const rcpts = Array.from({ length: 200_000 }, (_, i) => `RCPT TO:<user${i}@d.example>`);
      writeFileSync(script, ['EHLO me', 'MAIL FROM:<a@b.example>', ...rcpts, 'DATA', 'Subject: x', '', '.', ''].join('\n'));
      const r = await timed([`smtp://127.0.0.1:${port}`, '--pipeline', '--timeout', '1', '-f', script], 30_000);
      // Preparing 200,000 commands takes 4 s of CPU on an idle 2-core box, and
      // over twice that beside three other test files; before the fix it never ended.
      endsAtTimeout(r, 'pipeline 200k RCPT', 20_000);
    });

    it('/login with an 8-bit password when no + comes: exit 4', async () => {
      const port = await lineServer('* OK hi\r\n', (line, sock) => {
        if (!/\{\d+\}$/.test(line)) sock.write(`${line.split(' ')[0]} OK done\r\n`);
      });
      const r = await timed([`imap://127.0.0.1:${port}`, '--timeout', '1', '-e', '/login alice p\u00e4ss'], 20_000);
      assertSane(r, 4, '/login literal');
      assert.ok(r.ms < 10_000, `${r.ms} ms`);
    });
    it('/append of a file with 8-bit text when no + comes: exit 4', async () => {
      const port = await lineServer('* OK hi\r\n', (line, sock) => {
        if (!/\{\d+\}$/.test(line)) sock.write(`${line.split(' ')[0]} OK done\r\n`);
      });
      const file = join(tmp, 'eight-bit.eml');
      writeFileSync(file, 'Subject: gr\u00fc\u00dfe\r\n\r\nsch\u00f6n\r\n');
      const r = await timed([`imap://127.0.0.1:${port}`, '--timeout', '1', '-e', `/append INBOX ${file}`], 20_000);
      assertSane(r, 4, '/append literal');
      assert.ok(r.ms < 10_000, `${r.ms} ms`);
    });
  });

  describe('data still streaming is no timeout', { concurrency: true }, () => {
    it('a POP3 RETR that streams past --timeout goes on, as an IMAP literal does', async () => {
      const port = await lineServer('+OK hi\r\n', (line, sock) => {
        if (/^RETR/i.test(line)) {
          sock.write('+OK message follows\r\n');
          let n = 0;
          const drip = setInterval(() => {
            if (++n <= 12) sock.write(`line ${n}\r\n`);
            else {
              clearInterval(drip);
              sock.write('.\r\n');
            }
          }, 200);
        } else if (/^QUIT/i.test(line)) sock.end('+OK bye\r\n');
        else sock.write('+OK\r\n');
      });
      const r = await timed([`pop3://127.0.0.1:${port}`, '--timeout', '1', '-e', 'RETR 1'], 20_000);
      assertSane(r, 0, 'RETR');
      assert.match(r.stdout, /^S: line 12$/m);
    });
  });
});
