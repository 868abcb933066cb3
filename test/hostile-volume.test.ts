/**
 * Limits under volume (issue 7): whatever a server pours in, mailsh either
 * streams it or stops with a clear error, and its memory stays bounded. The
 * child's peak resident set (VmHWM) is sampled while the server writes and
 * once more after mailsh has taken in everything; the bound is generous on
 * purpose (a plain mailsh run peaks near 50 MB): it catches a buffer that
 * grows with the input, not a few megabytes either way.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { assertSane } from './support/assert-sane.js';
import { RssProbe } from './support/peak-rss.js';
import { runCli } from './support/run-cli.js';
import { runInProcess } from './support/run-in-process.js';
import { startScriptedServer, type LineHandler, type ScriptedConn, type ScriptedServer } from './support/scripted-server.js';

const MB = 1024 * 1024;
/**
 * Peak RSS allowed for any run below. Bounded runs peak at 50–125 MB; with a
 * buffer that grows with the input (each fix undone) they reached 290–395 MB.
 */
const RSS_BOUND = 200 * MB;

const servers: ScriptedServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

/** Writes `count` pieces `piece(i)`, each after the last one left, sampling memory as it goes; false if mailsh hung up. */
async function pour(conn: ScriptedConn, probe: RssProbe, count: number, piece: (i: number) => string): Promise<boolean> {
  for (let i = 0; i < count; i++) {
    if (!(await conn.flush(piece(i)))) return false;
    if (i % 16 === 0) probe.sample();
  }
  probe.sample();
  return true;
}

interface VolumeCase {
  name: string;
  url: string;
  args?: string[];
  lines: string[];
  /** Answers the command that triggers the flood. */
  flood: (line: string, conn: ScriptedConn, probe: RssProbe) => boolean | Promise<boolean>;
  greeting: string;
  exit: number;
  stderr?: RegExp;
}

const line1k = (i: number): string => `${String(i).padStart(8, '0')} ${'x'.repeat(989)}\r\n`;

/** An EHLO answered with `count` lines `line(i)` and a last line, under `--max-reply-lines max`. */
function longEhlo(name: string, max: number, count: number, line: (i: number) => string): VolumeCase {
  return {
    name,
    url: 'smtp',
    args: ['--max-reply-lines', String(max)],
    greeting: '220 hi\r\n',
    lines: ['EHLO me'],
    flood: async (command, conn, probe) => {
      if (command !== 'EHLO me') return false;
      if (await pour(conn, probe, count, line)) conn.write('250 last\r\n');
      return true;
    },
    exit: 0,
  };
}

const CASES: VolumeCase[] = [
  {
    name: 'a 10 MB line without a line end stops at --max-line',
    url: 'smtp',
    greeting: '220 hi\r\n',
    lines: ['NOOP'],
    flood: (line, conn, probe) => line === 'NOOP' && (void pour(conn, probe, 160, () => 'A'.repeat(64 * 1024)), true),
    exit: 3,
    stderr: /server sent a line longer than 1048576 bytes/,
  },
  {
    name: 'a 10 MB line is taken whole when --max-line allows it',
    url: 'smtp',
    args: ['--max-line', String(12 * MB)],
    greeting: '220 hi\r\n',
    lines: ['NOOP'],
    flood: async (line, conn, probe) => {
      if (line !== 'NOOP') return false;
      conn.write('250 ');
      if (await pour(conn, probe, 160, () => 'A'.repeat(64 * 1024))) conn.write('\r\n');
      return true;
    },
    exit: 0,
  },
  {
    name: 'a 64 MB IMAP literal without line ends streams through the display',
    url: 'imap',
    greeting: '* OK hi\r\n',
    lines: ['FETCH 1 BODY[]'],
    flood: async (line, conn, probe) => {
      if (!/FETCH/.test(line)) return false;
      conn.write(`* 1 FETCH (BODY[] {${64 * MB}}\r\n`);
      if (await pour(conn, probe, 1024, () => 'y'.repeat(64 * 1024))) conn.write(`)\r\n${line.split(' ')[0]} OK FETCH done\r\n`);
      return true;
    },
    exit: 0,
  },
  {
    name: 'a 64 MB POP3 RETR streams past without being kept',
    url: 'pop3',
    greeting: '+OK hi\r\n',
    lines: ['RETR 1'],
    flood: async (line, conn, probe) => {
      if (line !== 'RETR 1') return false;
      conn.write('+OK message follows\r\n');
      // 64 Ki lines of 1 KB, written 64 at a time (the same bytes in fewer writes).
      if (await pour(conn, probe, 1024, (i) => Array.from({ length: 64 }, (_, k) => line1k(64 * i + k)).join(''))) conn.write('.\r\n');
      return true;
    },
    exit: 0,
  },
  {
    name: 'endless 1 KB "250-" lines stop at the default reply-line limit',
    url: 'smtp',
    greeting: '220 hi\r\n',
    lines: ['EHLO me'],
    flood: (line, conn, probe) => line === 'EHLO me' && (void pour(conn, probe, Infinity, (i) => `250-${line1k(i)}`), true),
    exit: 3,
    stderr: /more than 10000 lines/,
  },
  longEhlo('many long "250-" lines (1500 of 128 KB) are not all held', 2000, 1500, () => `250-${'L'.repeat(128 * 1024)}\r\n`),
  longEhlo('a 15000-line reply is taken whole when --max-reply-lines allows it', 20000, 14999, (i) => `250-${line1k(i)}`),
];

describe('limits under volume: bounded memory, clear errors, flags to raise them', () => {
  for (const c of CASES) {
    it(c.name, async (t) => {
      let probe: RssProbe | undefined;
      const handler: LineHandler = async (line, conn) => {
        if (await c.flood(line, conn, probe!)) return;
        // The goodbye comes after mailsh took in everything: sample once more.
        probe!.sample();
        if (/QUIT|LOGOUT/i.test(line)) conn.end(line.includes('LOGOUT') ? `${line.split(' ')[0]} OK bye\r\n` : line.startsWith('QUIT') && c.url === 'pop3' ? '+OK bye\r\n' : '221 bye\r\n');
      };
      const s = await startScriptedServer({ greeting: c.greeting, onLine: handler });
      servers.push(s);
      const r = await runCli([`${c.url}://127.0.0.1:${s.port}`, '--timeout', '60', ...(c.args ?? []), ...c.lines.flatMap((l) => ['-e', l])], [], {}, {
        discardStdout: true,
        onSpawn: (child) => (probe = new RssProbe(child.pid!)),
      });
      assertSane(r, c.exit, c.name);
      if (c.stderr) assert.match(r.stderr, c.stderr);
      assert.ok(probe!.samples > 0, 'memory was sampled');
      t.diagnostic(`${c.name}: peak RSS ${(probe!.max / MB).toFixed(1)} MB over ${probe!.samples} samples`);
      assert.ok(probe!.max < RSS_BOUND, `peak RSS ${(probe!.max / MB).toFixed(1)} MB stays under ${RSS_BOUND / MB} MB`);
    });
  }

  // Argument checks need no process of their own.
  it('limit flags take positive whole numbers only (exit 2)', async () => {
    for (const [flag, value, unit] of [['--max-line', '0', 'bytes'], ['--max-literal', '5.5', 'bytes'], ['--max-reply-lines', 'many', 'lines']]) {
      const r = await runInProcess([flag, value, 'smtp://127.0.0.1:1']);
      assertSane(r, 2, flag);
      assert.equal(r.stderr, `mailsh: ${flag} needs a positive number of ${unit}, not "${value}"\n`);
    }
    // parseArgs' own message for a value that looks like an option is three lines: the first is kept.
    const r = await runInProcess(['--max-literal', '-5', 'smtp://127.0.0.1:1']);
    assertSane(r, 2, '--max-literal -5');
    assert.equal(r.stderr, "mailsh: Option '--max-literal' argument is ambiguous (see mailsh --help)\n");
  });
});
