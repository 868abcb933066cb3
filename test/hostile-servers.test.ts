/**
 * The hostile-server corpus (issue 7): in-process loopback servers, plain and
 * TLS, with SMTP, IMAP and POP3 flavours, misbehave in one way each. Every
 * case checks that mailsh does not crash, shows no stack trace and no raw
 * control character, says what happened in one clear line, exits with a sane
 * status, and that its transcript holds exactly the bytes that crossed the
 * wire (or a prefix of them, where mailsh rightly stopped reading).
 * The cases run mailsh in-process (cli/main.ts's `run`, no Node start-up
 * each); a few run it as a process too, for the exit status a shell sees.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { killAllPtys, spawnCli } from './support/pty-session.js';
import { getTestCerts, type TestCerts } from './support/certs.js';
import { assertSane } from './support/assert-sane.js';
import { runCli, type CliResult } from './support/run-cli.js';
import { runInProcess } from './support/run-in-process.js';
import { startScriptedServer, type ScriptedConn, type ScriptedServer } from './support/scripted-server.js';
import { transcriptBytes } from './support/transcript-bytes.js';

type Flavour = 'smtp' | 'imap' | 'pop3';
type Transport = 'plain' | 'tls';

const SCHEME: Record<Flavour, Record<Transport, string>> = {
  smtp: { plain: 'smtp', tls: 'smtps' },
  imap: { plain: 'imap', tls: 'imaps' },
  pop3: { plain: 'pop3', tls: 'pop3s' },
};

/** How each flavour starts a greeting or a positive status line. */
const OK: Record<Flavour, string> = { smtp: '220 ', imap: '* OK ', pop3: '+OK ' };

const greet = (f: Flavour, text: string | Buffer): Buffer => Buffer.concat([Buffer.from(OK[f]), Buffer.from(text), Buffer.from('\r\n')]);

/** The IMAP tag of a received line, or '' for the line-at-a-time protocols. */
const tagOf = (line: string): string => line.split(' ')[0];

/** A well-behaved answer to any command, so each case scripts only its hostile part. */
function polite(f: Flavour, line: string, conn: ScriptedConn): void {
  const words = line.split(' ');
  if (f === 'imap') {
    const verb = (words[1] ?? '').toUpperCase();
    if (verb === 'LOGOUT') conn.end(`* BYE bye\r\n${words[0]} OK LOGOUT done\r\n`);
    else conn.write(`${words[0]} OK ${verb} done\r\n`);
  } else if (words[0].toUpperCase() === 'QUIT') conn.end(f === 'smtp' ? '221 bye\r\n' : '+OK bye\r\n');
  else conn.write(f === 'smtp' ? '250 ok\r\n' : '+OK\r\n');
}

/**
 * Writes `make(i)` for i = 0, 1, … until the client hangs up, `pauseMs`
 * apart; without a pause 64 per write, as a socket under a flood coalesces
 * them (mailsh runs in this process: one read per line would slow it, not the server).
 */
async function flood(conn: ScriptedConn, make: (i: number) => string | Buffer, pauseMs = 0): Promise<void> {
  const batch = pauseMs > 0 ? 1 : 64;
  const items = (i: number): Buffer => Buffer.concat(Array.from({ length: batch }, (_, k) => Buffer.from(make(i + k))));
  for (let i = 0; await conn.flush(items(i)); i += batch) {
    if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
  }
}

/** Writes `bytes` one byte per write, each after the previous one left, `pauseMs` apart. */
async function drip(conn: ScriptedConn, bytes: string | Buffer, pauseMs = 0): Promise<void> {
  for (const b of Buffer.from(bytes)) {
    if (!(await conn.flush(Buffer.of(b)))) return;
    await new Promise((r) => (pauseMs > 0 ? setTimeout(r, pauseMs) : setImmediate(r)));
  }
}

/** The command each flavour uses for "do nothing, answer once". */
const NOOP: Record<Flavour, string> = { smtp: 'NOOP', imap: 'NOOP', pop3: 'NOOP' };
const isNoop = (line: string): boolean => /(^| )NOOP$/i.test(line);

interface HostileCase {
  name: string;
  flavours: Flavour[];
  transports?: Transport[];
  /** Default: a normal greeting; null: none at all. */
  greeting?: (f: Flavour) => string | Buffer | null;
  /** Answers a received line itself (returns true), else the polite default does. */
  onLine?: (f: Flavour, line: string, conn: ScriptedConn) => boolean | Promise<boolean>;
  onConnect?: (f: Flavour, conn: ScriptedConn) => void | Promise<void>;
  /** The server speaks plaintext even where the client expects implicit TLS. */
  plainServer?: boolean;
  /** The server speaks TLS from the start even where the client expects plaintext. */
  tlsServer?: boolean;
  lines?: (f: Flavour) => string[];
  args?: string[];
  exit: number | ((f: Flavour) => number);
  /** The one clear line that says what happened. */
  stderr?: RegExp;
  stdout?: (f: Flavour) => RegExp;
  /** What must never be shown. */
  notStdout?: RegExp;
  /** mailsh rightly stopped reading early: the transcript holds a prefix of what was sent. */
  partial?: boolean;
}

const ALL: Flavour[] = ['smtp', 'imap', 'pop3'];

/** IMAP: FETCH is answered with `reply`, then the server hangs up; exit 3. */
function fetchCase(name: string, reply: string, more: Partial<HostileCase>): HostileCase {
  return {
    name,
    flavours: ['imap'],
    onLine: (_f, line, conn) => {
      if (!/FETCH/i.test(line)) return false;
      conn.end(reply);
      return true;
    },
    lines: () => ['FETCH 1 BODY[]'],
    exit: 3,
    ...more,
  };
}

/** A server that answers NOOP with `make(i)` forever, `pauseMs` apart: only --timeout ends the script. */
function floodTimesOut(name: string, flavours: Flavour[], make: (i: number, f: Flavour) => string, pauseMs: number): HostileCase {
  return {
    name,
    flavours,
    onLine: (f, line, conn) => {
      if (!isNoop(line)) return false;
      void flood(conn, (i) => make(i, f), pauseMs);
      return true;
    },
    lines: (f) => [NOOP[f]],
    args: ['--timeout', '1'],
    exit: 4,
    stderr: /no reply within 1s/,
    partial: true,
  };
}

const CASES: HostileCase[] = [
  {
    name: 'terminal escape sequences: OSC title, screen clear, cursor moves, bracketed-paste toggles',
    flavours: ALL,
    greeting: (f) => greet(f, 'hi \x1b]0;owned\x07 \x1b]2;t\x1b\\ \x1b[2J\x1b[H \x1b[5A\x1b[10C \x1b[?2004h\x1b[200~x\x1b[201~\x1b[?2004l \u009b31m end'),
    exit: 0,
    stdout: () => /hi \\x1b\]0;owned\\x07 \\x1b\]2;t\\x1b\\ \\x1b\[2J\\x1b\[H \\x1b\[5A\\x1b\[10C \\x1b\[\?2004h\\x1b\[200~x\\x1b\[201~\\x1b\[\?2004l \\u009b31m end/,
  },
  {
    name: 'capabilities with escape sequences, listed by /caps',
    flavours: ALL,
    onLine: (f, line, conn) => {
      if (!/^(EHLO|CAPA|A\d+ CAPABILITY)/i.test(line)) return false;
      const evil = 'X-\x1b]0;owned\x07\x1b[2J';
      conn.write({ smtp: `250-hi\r\n250 ${evil}\r\n`, imap: `* CAPABILITY IMAP4rev1 ${evil}\r\n${tagOf(line)} OK done\r\n`, pop3: `+OK\r\n${evil}\r\n.\r\n` }[f]);
      return true;
    },
    lines: (f) => [{ smtp: 'EHLO me', imap: 'CAPABILITY', pop3: 'CAPA' }[f], '/caps'],
    exit: 0,
    stdout: () => /^X-\\x1b\]0;OWNED\\x07\\x1b\[2J$/m,
  },
  {
    name: 'NUL and DEL bytes',
    flavours: ALL,
    greeting: (f) => greet(f, 'a\x00b\x7fc'),
    exit: 0,
    stdout: () => /a\\x00b\\x7fc/,
  },
  {
    name: 'invalid UTF-8',
    flavours: ALL,
    greeting: (f) => greet(f, Buffer.from([0x68, 0xff, 0xfe, 0x20, 0xc3, 0x28, 0x20, 0xed, 0xa0, 0x80, 0x20, 0xc0, 0xaf])),
    exit: 0,
    stdout: () => /h\\xff\\xfe \\xc3\( \\xed\\xa0\\x80 \\xc0\\xaf/,
  },
  {
    name: 'a 10 MB line without a line end',
    flavours: ALL,
    onLine: (_f, line, conn) => {
      if (!isNoop(line)) return false;
      void flood(conn, () => 'A'.repeat(64 * 1024)).catch(() => undefined);
      return true;
    },
    lines: (f) => [NOOP[f]],
    exit: 3,
    stderr: /server sent a line longer than 1048576 bytes/,
    partial: true,
  },
  {
    name: 'bare LF and bare CR line ends are marked as violations',
    flavours: ALL,
    greeting: (f) => (f === 'smtp' ? '220-first\n220-second\r220 third\r\n' : `${OK[f]}first\n* 1 EXISTS\r* 2 RECENT\r\n`),
    onLine: (f, line, conn) => {
      if (f === 'imap' || !isNoop(line)) return false;
      if (f === 'smtp') {
        conn.write('250 lf\n');
        return true;
      }
      conn.write('+OK cr\r');
      // A bare CR at the end waits for the next byte to tell it from CRLF.
      setTimeout(() => conn.write('\r\n'), 20);
      return true;
    },
    lines: (f) => [NOOP[f]],
    exit: 0,
    stdout: (f) => (f === 'imap' ? /first \[bare LF: protocol violation\][^]*EXISTS \[bare CR: protocol violation\]/ : /\[bare (LF|CR): protocol violation\]/),
  },
  {
    name: 'a reply split one byte per packet',
    flavours: ALL,
    onLine: (f, line, conn) => {
      if (!isNoop(line)) return false;
      const reply = { smtp: '250-one\r\n250-two\r\n250 three\r\n', imap: `* 1 EXISTS\r\n${tagOf(line)} OK NOOP done\r\n`, pop3: '+OK one byte at a time\r\n' }[f];
      return drip(conn, reply).then(() => true);
    },
    lines: (f) => [NOOP[f], NOOP[f]],
    exit: 0,
    stdout: (f) => ({ smtp: /S: 250-one\nS: 250-two\nS: 250 three\n/, imap: /S: \* 1 EXISTS\nS: A001 OK NOOP done\n/, pop3: /S: \+OK one byte at a time\n/ })[f],
  },
  ...[false, true].map((later): HostileCase => ({
    name: `STARTTLS injection: plaintext after the positive reply ${later ? 'in a later packet' : 'in the same packet'}`,
    flavours: ALL,
    transports: ['plain'],
    onLine: (f, line, conn) => {
      if (!/STARTTLS|STLS/i.test(line)) return false;
      const reply = { smtp: ['220 go ahead\r\n', '250 injected\r\n'], imap: [`${tagOf(line)} OK begin TLS\r\n`, '* OK injected\r\n'], pop3: ['+OK begin TLS\r\n', '+OK injected\r\n'] }[f];
      if (!later) {
        conn.write(reply.join(''));
        void conn.startTls().catch(() => undefined);
        return true;
      }
      // Inject once the ClientHello is in: mailsh is mid-handshake by then.
      const before = conn.received().length;
      conn.write(reply[0]);
      void (async () => {
        while (conn.received().length === before && !conn.closed) await new Promise((r) => setTimeout(r, 2));
        conn.write(reply[1]);
        await conn.startTls().catch(() => undefined);
      })();
      return true;
    },
    lines: (f) => [{ smtp: 'STARTTLS', imap: 'STARTTLS', pop3: 'STLS' }[f], NOOP[f]],
    exit: later ? 3 : 0,
    stderr: later ? /TLS handshake failed: the server sent plaintext after its STARTTLS reply/ : /STARTTLS injection: discarded \d+ bytes the server sent after its STARTTLS reply/,
    notStdout: /injected/,
    partial: later,
  })),
  {
    name: 'a TLS handshake that stalls (implicit TLS)',
    flavours: ['smtp'],
    transports: ['tls'],
    plainServer: true,
    greeting: () => null,
    args: ['--timeout', '0.5'],
    exit: 4,
    stderr: /TLS handshake timed out/,
  },
  {
    name: 'a TLS handshake that stalls (after STARTTLS)',
    flavours: ALL,
    transports: ['plain'],
    onLine: (f, line, conn) => {
      if (!/STARTTLS|STLS/i.test(line)) return false;
      conn.write({ smtp: '220 go ahead\r\n', imap: `${tagOf(line)} OK begin TLS\r\n`, pop3: '+OK begin TLS\r\n' }[f]);
      return true;
    },
    lines: (f) => [{ smtp: 'STARTTLS', imap: 'STARTTLS', pop3: 'STLS' }[f]],
    args: ['--timeout', '0.5'],
    exit: 4,
    stderr: /the TLS handshake after STARTTLS did not finish within 0\.5s/,
    partial: true,
  },
  {
    name: 'a server that hangs up mid-reply',
    flavours: ALL,
    onLine: (f, line, conn) => {
      if (!/NOOP|LIST/i.test(line)) return false;
      conn.end({ smtp: '250-partial\r\n250-more', imap: '* 1 EXISTS\r\n* 2 EXI', pop3: '+OK list follows\r\n1 120\r\n' }[f]);
      return true;
    },
    lines: (f) => [f === 'pop3' ? 'LIST' : NOOP[f], NOOP[f]],
    exit: 3,
    stderr: /connection closed by the server/,
    stdout: (f) => ({ smtp: /S: 250-more \[no line end\]/, imap: /S: \* 2 EXI \[no line end\]/, pop3: /S: 1 120\n/ })[f],
  },
  fetchCase('a server that hangs up mid-literal', `* 1 FETCH (BODY[] {100}\r\nSubject: cut\r\n\r\n${'x'.repeat(23)}`, {
    stderr: /connection closed by the server in the middle of a literal \(61 bytes missing\)/,
    stdout: () => /S: Subject: cut\n[^]*S: x{23}\n/,
  }),
  fetchCase('an IMAP literal announcing 10 GB', '* 1 FETCH (BODY[] {10000000000}\r\nSubject: huge\r\n', {
    stderr: /server announced a 10000000000-byte literal, over the 4294967296-byte limit \(--max-literal\)/,
    partial: true,
  }),
  fetchCase('--max-literal lowers the literal limit', '* 1 FETCH (BODY[] {2000}\r\nabc', {
    args: ['--max-literal', '1000'],
    stderr: /server announced a 2000-byte literal, over the 1000-byte limit \(--max-literal\)/,
    partial: true,
  }),
  fetchCase('--max-literal raises the limit over 4 GiB (then the server hangs up mid-literal)', '* 1 FETCH (BODY[] {5000000000}\r\nabc', {
    args: ['--max-literal', '6000000000'],
    stderr: /connection closed by the server in the middle of a literal \(4999999997 bytes missing\)/,
  }),
  {
    name: '--max-line lowers the line limit',
    flavours: ALL,
    greeting: (f) => greet(f, 'z'.repeat(200)),
    args: ['--max-line', '100'],
    exit: 3,
    stderr: /server sent a line longer than 100 bytes \(--max-line raises the limit\)/,
    partial: true,
  },
  {
    name: 'endless continuation lines',
    flavours: ['smtp', 'pop3'],
    onLine: (f, line, conn) => {
      if (!/^(EHLO|CAPA)/i.test(line)) return false;
      if (f === 'pop3') conn.write('+OK capabilities follow\r\n');
      void flood(conn, (i) => (f === 'smtp' ? `250-EXTENSION${i}\r\n` : `X-CAP${i}\r\n`));
      return true;
    },
    lines: (f) => [f === 'smtp' ? 'EHLO me' : 'CAPA'],
    args: ['--max-reply-lines', '1000'],
    exit: 3,
    stderr: /server sent a reply of more than 1000 lines \(--max-reply-lines raises the limit\)/,
    partial: true,
  },
  floodTimesOut('endless untagged responses never complete the command: the script times out', ['imap'], (i) => `* ${i} EXISTS\r\n`, 5),
  {
    name: 'an unsolicited "+" when nothing is pending',
    flavours: ALL,
    onLine: (f, line, conn) => {
      if (!isNoop(line)) return false;
      conn.write({ smtp: '+ surprise\r\n250 ok\r\n', imap: `+ surprise\r\n${tagOf(line)} OK NOOP done\r\n`, pop3: '+ c3VycHJpc2U=\r\n+OK\r\n' }[f]);
      return true;
    },
    lines: (f) => [NOOP[f], f === 'pop3' ? 'LIST 1' : NOOP[f]],
    // SMTP has no continuations: "+ surprise" is a malformed reply, so a failure.
    exit: (f) => (f === 'smtp' ? 1 : 0),
    stderr: /the server sent a continuation \(\+\) while|malformed reply line/,
    // POP3: the next line is a command again, not a masked SASL response.
    stdout: (f) => (f === 'pop3' ? /C: LIST 1\n/ : /S: \+ surprise/),
  },
  {
    name: 'tagged replies for unknown tags',
    flavours: ['imap'],
    onLine: (_f, line, conn) => {
      if (!isNoop(line)) return false;
      conn.write(`Z999 OK not yours\r\n* 1 EXISTS\r\n${tagOf(line)} OK NOOP done\r\n`);
      return true;
    },
    lines: (f) => [NOOP[f]],
    exit: 0,
    stderr: /response for a tag that is not in flight/,
  },
  {
    name: 'responses after BYE (or after the goodbye)',
    flavours: ALL,
    onLine: (f, line, conn) => {
      if (f === 'imap' && isNoop(line)) {
        conn.end(`* BYE shutting down\r\n${tagOf(line)} OK NOOP done\r\n* 1 EXISTS\r\n`);
        return true;
      }
      if (f === 'imap' || !/^QUIT/i.test(line)) return false;
      conn.end(f === 'smtp' ? '221 bye\r\n250 still here\r\n' : '+OK bye\r\n+OK still here\r\n');
      return true;
    },
    lines: (f) => [NOOP[f]],
    exit: 0,
    stderr: /the server sent (more after its BYE|a reply while no command was waiting for one)/,
  },
  {
    name: 'a refused --starttls whose reply carries escape sequences',
    flavours: ALL,
    transports: ['plain'],
    onLine: (f, line, conn) => {
      if (!/STARTTLS|STLS/i.test(line)) return false;
      conn.write({ smtp: '454 4.7.0 \x1b]0;owned\x07\x1b[2J no TLS\r\n', imap: `${tagOf(line)} NO \x1b]0;owned\x07\x1b[2J no TLS\r\n`, pop3: '-ERR \x1b]0;owned\x07\x1b[2J no TLS\r\n' }[f]);
      return true;
    },
    args: ['--starttls'],
    exit: 3,
    stderr: /^mailsh: 127\.0\.0\.1:\d+: the server refused (STARTTLS|STLS): .*\\x1b\]0;owned\\x07\\x1b\[2J no TLS$/m,
  },
  {
    name: 'a greeting that never comes',
    flavours: ALL,
    greeting: () => null,
    args: ['--timeout', '0.5'],
    lines: (f) => [NOOP[f]],
    exit: 4,
    stderr: /no greeting within 0\.5s/,
  },
  {
    name: 'slow-drip bytes: a greeting one byte every 10 ms',
    flavours: ALL,
    greeting: () => null,
    onConnect: (f, conn) => drip(conn, greet(f, 'slow but complete'), 10),
    lines: (f) => [NOOP[f]],
    exit: 0,
    stdout: () => /slow but complete\n/,
  },
  floodTimesOut('slow-drip bytes that never end a reply: the script times out', ALL, (i, f) => (i === 0 ? { smtp: '250-', imap: '* ', pop3: '+OK ' }[f] : 'x'), 10),
  {
    name: 'a server that speaks TLS on a plaintext port (silent until a ClientHello)',
    flavours: ALL,
    transports: ['plain'],
    tlsServer: true,
    args: ['--timeout', '0.5'],
    exit: 4,
    stderr: /no greeting within 0\.5s \(a port that expects TLS first\? try --tls\)/,
  },
  {
    name: 'a server that speaks TLS on a plaintext port (answers with a TLS alert)',
    flavours: ALL,
    transports: ['plain'],
    // A TLS 1.2 fatal alert record: protocol_version.
    greeting: () => Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46]),
    exit: 3,
    stderr: /the server answered in TLS on a plaintext connection \(an implicit-TLS port\? try --tls\)/,
  },
  {
    name: 'a server that speaks plaintext on a TLS port',
    flavours: ALL,
    transports: ['tls'],
    plainServer: true,
    exit: 3,
    stderr: /TLS handshake failed: the server did not answer in TLS/,
  },
];

const servers: ScriptedServer[] = [];
after(async () => {
  killAllPtys();
  await Promise.all(servers.map((s) => s.close()));
});

let certs: TestCerts;
before(async () => {
  certs = await getTestCerts();
});
const tmp = mkdtempSync(join(tmpdir(), 'mailsh-hostile-'));
let logs = 0;

/** How a case runs mailsh: in-process, or as a child process. */
type Runner = (args: string[]) => Promise<CliResult>;

async function runCase(c: HostileCase, f: Flavour, transport: Transport, runner: Runner = runInProcess): Promise<void> {
  const label = `${c.name} [${f} ${transport}]`;
  const greeting = c.greeting ? c.greeting(f) : greet(f, 'hostile ready');
  const tlsOnServer = c.tlsServer || (transport === 'tls' && !c.plainServer);
  const s = await startScriptedServer({
    greeting: greeting ?? undefined,
    tlsCert: tlsOnServer ? certs.good : undefined,
    starttlsCert: certs.good,
    onConnect: c.onConnect && ((conn) => c.onConnect!(f, conn)),
    onLine: async (line, conn) => {
      if (c.onLine && (await c.onLine(f, line, conn))) return;
      polite(f, line, conn);
    },
  });
  servers.push(s);
  const log = join(tmp, `case-${++logs}.log`);
  const lines = c.lines?.(f) ?? [];
  const args = [`${SCHEME[f][transport]}://127.0.0.1:${s.port}`, '--ca', certs.caCert, '--log', log, '--timeout', '5', ...(c.args ?? []), ...lines.flatMap((l) => ['-e', l])];
  const r = await runner(args);
  assertSane(r, typeof c.exit === 'number' ? c.exit : c.exit(f), label);
  if (c.stderr) assert.match(r.stderr, c.stderr, label);
  if (c.stdout) assert.match(r.stdout, c.stdout(f), label);
  if (c.notStdout) assert.doesNotMatch(r.stdout, c.notStdout, label);
  // Showing the transcript later is as safe as the session was.
  assertSane(await runner(['show', log]), 0, `${label}: mailsh show`);
  // The transcript holds every byte that crossed the wire.
  const t = transcriptBytes(log);
  const conn = s.conns[0];
  if (!conn || tlsOnServer !== (transport === 'tls')) return;
  await s.firstClosed();
  const sent = conn.sent();
  if (c.partial) assert.ok(sent.subarray(0, t.server.length).equals(t.server), `${label}: S: bytes are a prefix of what the server sent`);
  else assert.equal(t.server.toString('latin1'), sent.toString('latin1'), `${label}: S: bytes equal what the server sent`);
  // The server may not read the last lines (a QUIT after it hung up); where
  // the server never started TLS, it read a ClientHello the transcript rightly leaves out.
  const received = conn.received();
  const common = c.partial ? Math.min(received.length, t.client.length) : received.length;
  assert.equal(t.client.subarray(0, common).toString('latin1'), received.subarray(0, common).toString('latin1'), `${label}: C: bytes equal what the server received`);
}

// Four side by side: most cases wait for a timeout or a slow drip, and one after
// another they took 21 s; each has its own server, log and (in-process) streams.
describe('hostile servers', { concurrency: 4 }, () => {
  for (const c of CASES) {
    for (const transport of c.transports ?? (['plain', 'tls'] as const)) {
      it(`${c.name} (${transport})`, async () => {
        await Promise.all(c.flavours.map((f) => runCase(c, f, transport)));
      });
    }
  }
});

/** One case per exit status (0, 3, 4), run as the process a script starts. */
describe('hostile servers, mailsh as a process', { concurrency: true }, () => {
  const spawned: [string, Flavour, Transport][] = [
    ['slow-drip bytes: a greeting one byte every 10 ms', 'smtp', 'plain'],
    ['a server that speaks plaintext on a TLS port', 'imap', 'tls'],
    ['a server that speaks TLS on a plaintext port (silent until a ClientHello)', 'pop3', 'plain'],
  ];
  for (const [name, f, transport] of spawned) {
    it(`${name} [${f} ${transport}]`, async () => {
      const c = CASES.find((k) => k.name === name);
      assert.ok(c, name);
      await runCase(c, f, transport, runCli);
    });
  }
});

describe('hostile servers at the terminal', () => {
  it('escape sequences never reach the terminal; a 10 MB line ends the session with one line and exit 3', { timeout: 30000 }, async () => {
    const evil = '\x1b]0;owned\x07\x1b[2J\x1b[?2004l\x1b[200~';
    const s = await startScriptedServer({
      greeting: `220 ${evil} hi\r\n`,
      onLine: (line, conn) => {
        if (line !== 'NOOP') return;
        conn.write(`250-${evil}\r\n`);
        void flood(conn, () => 'A'.repeat(64 * 1024));
      },
    });
    servers.push(s);
    const cli = spawnCli([`smtp://127.0.0.1:${s.port}`, '--timeout', '5']);
    await cli.waitFor(/smtp> /);
    cli.type('NOOP\r');
    assert.equal(await cli.exited, 3);
    const raw = cli.raw();
    for (const seq of ['\x1b]0;owned', '\x1b[2J', '\x1b[200~']) assert.ok(!raw.includes(seq), `${JSON.stringify(seq)} never reaches the terminal`);
    // mailsh's own bracketed-paste switch-off is the only one.
    assert.equal(raw.split('\x1b[?2004l').length, 2);
    const screen = cli.screen();
    assert.match(screen, /S: 220 \\x1b\]0;owned\\x07\\x1b\[2J\\x1b\[\?2004l\\x1b\[200~ hi/);
    assert.equal(screen.match(/server sent a line longer than 1048576 bytes/g)?.length, 1);
    assert.doesNotMatch(screen, /\n\s+at \S/);
  });
});
