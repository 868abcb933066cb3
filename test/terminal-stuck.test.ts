/**
 * Issue 21 item 9 at the terminal: after a helper got stuck on a server that
 * stops answering (`/append` whose `{N}` gets no `+`, `/append` or `/send`
 * whose server stops reading mid-message), `/close` and a second Ctrl-C end
 * mailsh promptly, and Ctrl-D and `/quit` within the goodbye's deadlines
 * (each wait at most 5 s), though --timeout is far away.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { killAllPtys, spawnCli, type PtySession } from './support/pty-session.js';
import { bigMessage } from './support/big-message.js';
import { startScriptedServer, type LineHandler, type ScriptedServer } from './support/scripted-server.js';

const tmp = mkdtempSync(join(tmpdir(), 'mailsh-stuck-'));
const servers: ScriptedServer[] = [];
after(async () => {
  killAllPtys();
  for (const s of servers.splice(0)) await s.close();
  rmSync(tmp, { recursive: true, force: true });
});


/** The server neither reads nor answers any more. */
const stopReading: LineHandler = (_line, conn) => conn.pause();

interface Stuck {
  name: string;
  greeting: string;
  scheme: string;
  /** Answers everything up to the point where it stops; returns the handler's promise. */
  onLine: LineHandler;
  /** What the user types to get stuck, and what the screen shows once it is. */
  command: () => string;
  stuckAt: RegExp;
  /** Only /close and Ctrl-C (a stuck typed command, not a helper). */
  quick?: boolean;
}

const imapOk: LineHandler = (line, conn) => conn.write(`${line.split(' ')[0]} OK done\r\n`);

const cases: Stuck[] = [
  {
    name: '/append whose {N} gets nothing',
    greeting: '* OK hi\r\n',
    scheme: 'imap',
    onLine: (line, conn) => (/ APPEND /i.test(line) ? stopReading(line, conn) : imapOk(line, conn)),
    command: () => `/append INBOX ${bigMessage(tmp, 24)}`,
    stuckAt: /C: \S+ APPEND "INBOX" \{\d+\}/,
  },
  {
    name: '/append whose server stops reading mid-literal',
    greeting: '* OK hi\r\n',
    scheme: 'imap',
    onLine: (line, conn) => {
      if (!/ APPEND /i.test(line)) return imapOk(line, conn);
      conn.write('+ go ahead\r\n');
      return stopReading(line, conn);
    },
    command: () => `/append INBOX ${bigMessage(tmp, 24)}`,
    stuckAt: /S: \+ go ahead/,
  },
  {
    name: '/send whose server stops reading after 354',
    greeting: '220 hi\r\n',
    scheme: 'smtp',
    onLine: (line, conn) => {
      if (!/^DATA/i.test(line)) return conn.write('250 ok\r\n');
      conn.write('354 go ahead\r\n');
      return stopReading(line, conn);
    },
    command: () => `/send ${bigMessage(tmp, 24)}`,
    stuckAt: /S: 354 go ahead/,
  },
  {
    name: 'a typed STARTTLS that gets no reply',
    greeting: '220 hi\r\n',
    scheme: 'smtp',
    onLine: (line, conn) => (/^STARTTLS/i.test(line) ? undefined : conn.write('250 ok\r\n')),
    command: () => 'STARTTLS',
    stuckAt: /C: STARTTLS/,
    quick: true,
  },
];

/** mailsh stuck in `c`, with a --timeout far beyond every limit below. */
async function stuck(c: Stuck): Promise<PtySession> {
  const server = await startScriptedServer({ greeting: c.greeting, onLine: c.onLine });
  servers.push(server);
  const cli = spawnCli([`${c.scheme}://127.0.0.1:${server.port}`, '--timeout', '60']);
  await cli.waitForLine(`${c.scheme}> `, 10_000);
  if (c.scheme === 'smtp') {
    cli.type('MAIL FROM:<a@b.example>\r');
    cli.type('RCPT TO:<c@d.example>\r');
  }
  cli.type(`${c.command()}\r`);
  await cli.waitFor(c.stuckAt, 10_000);
  // Long enough for the writes to fill the socket buffers and stall.
  await new Promise((r) => setTimeout(r, 500));
  return cli;
}

/**
 * Resolves with the exit code, or fails once `limitMs` passed with mailsh
 * still running. No stack trace, and no advice to finish by typing what a
 * helper was sending (the user cannot).
 */
async function endsWithin(cli: PtySession, limitMs: number, label: string): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: mailsh still running after ${limitMs} ms; screen:\n${cli.screen().slice(-1500)}`)), limitMs);
  });
  try {
    const code = await Promise.race([cli.exited, late]);
    const screen = cli.screen();
    assert.doesNotMatch(screen, /internal error|\n\s+at \S.*:\d+:\d+\)/, label);
    assert.doesNotMatch(screen, /type them to finish|alone sends the message|typed lines? not sent/, label);
    return code;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The cases run side by side: each mostly waits (for the goodbye's
 * deadlines), and one after another they took a minute.
 */
describe('at the terminal, stuck', { concurrency: true }, () => {
  for (const c of cases) {
    describe(`in ${c.name}`, { concurrency: true }, () => {
      it('/close ends mailsh promptly', async () => {
        const cli = await stuck(c);
        try {
          cli.type('/close\r');
          assert.equal(await endsWithin(cli, 4000, '/close'), 0);
          assert.match(cli.screen(), /\/close: closing the connection without a goodbye/);
        } finally {
          cli.kill();
        }
      });

      it('a second Ctrl-C ends mailsh promptly', async () => {
        const cli = await stuck(c);
        try {
          cli.type('\x03');
          await new Promise((r) => setTimeout(r, 300));
          cli.type('\x03');
          assert.equal(await endsWithin(cli, 4000, 'Ctrl-C Ctrl-C'), 0);
          assert.match(cli.screen(), /second Ctrl-C: closing the connection without a goodbye/);
        } finally {
          cli.kill();
        }
      });

      // Each wait while quitting lasts at most 5 s (README): the lines typed ahead, the state, the goodbye.
      for (const [key, typed] of c.quick ? [] : ([['Ctrl-D', '\x04'], ['/quit', '/quit\r']] as const)) {
        it(`${key} ends mailsh within the goodbye's deadlines`, async () => {
          const cli = await stuck(c);
          try {
            cli.type(typed);
            await endsWithin(cli, 20_000, key);
          } finally {
            cli.kill();
          }
        });
      }
    });
  }
});
