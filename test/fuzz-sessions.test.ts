/**
 * In-process fuzz of whole script sessions over the four protocols (issue 21,
 * "Done means"): seeded, so a failure repeats exactly (FUZZ_SEED=N reruns
 * one, FUZZ_DEBUG=1 shows its session), bounded in count and in time. A loopback server sends a random mix
 * of protocol-shaped lines, literals, stray bytes and odd line ends in random
 * chunks, then hangs up or goes silent, while a script runs commands. Each
 * case must end without a crash, with a documented exit status, within a
 * deadline past --timeout, and memory must stay bounded.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ProtocolName } from '../src/protocol/adapter.js';
import { ScriptRunner } from '../src/repl/script-runner.js';
import { Session } from '../src/session/session.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const CASES_PER_PROTOCOL = 25;
const LANES = 4;
const TIMEOUT_MS = 250;
/** --timeout, the polite goodbye's wait and a close: no case may take longer. */
const DEADLINE_MS = 4000;
const MB = 1024 * 1024;

type Rnd = (n: number) => number;

/** mulberry32: every bit well mixed (a power-of-two LCG's low bits repeat with a short period). */
function seededRandom(seed: number): Rnd {
  return (n) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n | 0;
  };
}

const VOCABULARY: Record<Exclude<ProtocolName, 'line' | 'lmtp'>, string[]> = {
  smtp: ['220 hi ESMTP', '250-PIPELINING', '250-AUTH PLAIN LOGIN', '250-CHUNKING', '250 ok', '334 ', '334 VXNlciBOYW1lAA==', '354 go', '421 bye', '500 what', '220 2.0.0 go ahead', '250'],
  imap: ['* OK hi', '* CAPABILITY IMAP4rev1 LITERAL+ AUTH=PLAIN', '* LIST () "/" INBOX', '* 1 FETCH (BODY[] {10}', '+ ', '+ go', 'A001 OK done', 'A002 NO no', '* BYE bye', '* 3 EXISTS', 'a1 BAD x', '* OK [ALERT] hey'],
  pop3: ['+OK hi <1.2@h>', '+OK', '-ERR no', '.', '..dotted', '+ ', '+OK 2 messages', 'line of a body', 'SASL PLAIN', 'STLS'],
  sieve: ['"IMPLEMENTATION" "x"', '"SIEVE" "fileinto"', '"SASL" "PLAIN"', 'OK', 'NO "x"', 'BYE "bye"', '{5}', '{5+}', '"c2NyaXB0"', 'OK (TAG "x")'],
};

const SCRIPTS: Record<keyof typeof VOCABULARY, string[]> = {
  smtp: ['EHLO me', 'MAIL FROM:<a@b.example>', 'RCPT TO:<c@d.example>', 'NOOP'],
  imap: ['a1 CAPABILITY', 'a2 LIST "" *', '/login alice pw', 'a3 NOOP'],
  pop3: ['CAPA', 'USER alice', 'PASS pw', 'RETR 1'],
  sieve: ['CAPABILITY', 'LISTSCRIPTS', 'HAVESPACE "x" 10'],
};

const ENDINGS = ['\r\n', '\r\n', '\r\n', '\n', '\r', ''];

/** One random server stream: mostly protocol-shaped lines, some noise. */
function serverStream(rnd: Rnd, protocol: keyof typeof VOCABULARY): Buffer {
  const parts: Buffer[] = [];
  const words = VOCABULARY[protocol];
  for (let i = 0, n = 1 + rnd(40); i < n; i++) {
    const kind = rnd(20);
    if (kind < 14) parts.push(Buffer.from(words[rnd(words.length)] + ENDINGS[rnd(ENDINGS.length)], 'latin1'));
    else if (kind < 17) parts.push(Buffer.from(Array.from({ length: rnd(64) }, () => rnd(256))));
    else if (kind < 19) parts.push(Buffer.from(`{${rnd(3) === 0 ? 2 ** 40 : rnd(200)}}\r\n`));
    else parts.push(Buffer.alloc(rnd(300_000), 'y')); // a long line with no end
  }
  return Buffer.concat(parts);
}

/**
 * A server for one case: the stream cut into turns, the first sent at
 * connect and one more (in random chunks) for each line received; when the
 * turns run out it hangs up or goes silent.
 */
async function fuzzServer(rnd: Rnd, stream: Buffer, hangUp: boolean): Promise<{ port: number; close: () => void }> {
  const sockets = new Set<net.Socket>();
  const turns: Buffer[][] = [];
  for (let at = 0; at < stream.length; ) {
    const turn: Buffer[] = [];
    for (let end = Math.min(stream.length, at + 1 + rnd(2000)); at < end; ) {
      const size = 1 + rnd(512);
      turn.push(stream.subarray(at, Math.min(end, at + size)));
      at += size;
    }
    turns.push(turn);
  }
  const srv = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('error', () => undefined);
    let next = 0;
    let queue = Promise.resolve();
    const turn = (): void => {
      queue = queue.then(async () => {
        if (sock.destroyed) return;
        if (next >= turns.length) {
          if (hangUp) sock.end();
          return;
        }
        for (const chunk of turns[next++]) {
          sock.write(chunk);
          await new Promise((r) => setImmediate(r));
        }
      });
    };
    turn();
    sock.on('data', (d: Buffer) => {
      for (let i = d.indexOf(0x0a); i >= 0; i = d.indexOf(0x0a, i + 1)) turn();
    });
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  return {
    port: (srv.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      srv.close();
    },
  };
}

const sink = (): Writable =>
  new Writable({
    write: (c: Buffer, _e, cb) => {
      if (process.env.FUZZ_DEBUG) process.stderr.write(c);
      cb();
    },
  });

/** Runs one case; resolves with the exit status. */
async function runCase(seed: number, protocol: keyof typeof VOCABULARY): Promise<number> {
  const rnd = seededRandom(seed);
  const server = await fuzzServer(rnd, serverStream(rnd, protocol), rnd(4) !== 0);
  try {
    const runner = new ScriptRunner(sink(), sink(), { setLog: () => undefined, pipeline: rnd(2) === 0 });
    const session = new Session({
      connect: { host: '127.0.0.1', port: server.port, implicitTls: false, family: 0, timeoutMs: TIMEOUT_MS, tls: { insecure: false } },
      protocol,
      starttls: false,
      ehloName: 'me',
      timeoutMs: TIMEOUT_MS,
      maxLine: 64 * 1024,
      output: runner.output,
    });
    try {
      await session.connect();
    } catch (err) {
      if (process.env.FUZZ_DEBUG) console.log(seed, (err as Error).message);
      // A failed connect is one of ours (a user-facing error), never a bug.
      assert.ok((err as { exitStatus?: number }).exitStatus !== undefined, `seed ${seed}: ${(err as Error).stack}`);
      session.connection?.destroy();
      return (err as { exitStatus: number }).exitStatus;
    }
    const status = await runner.run(session, { lines: SCRIPTS[protocol] });
    if (process.env.FUZZ_DEBUG) console.log(seed, status);
    return status;
  } finally {
    server.close();
  }
}

test('fuzzed server streams over SMTP, IMAP, POP3 and ManageSieve: no crash, no hang, bounded memory', async () => {
  const only = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
  gc();
  const heapStart = process.memoryUsage().heapUsed;
  let cases = 0;
  let slowest = 0;
  const statuses = new Map<number, number>();
  // The protocols run side by side, each in LANES lanes of cases in order
  // (most of a case is waiting for --timeout): the same cases whatever the timing.
  const lanes = (Object.keys(VOCABULARY) as (keyof typeof VOCABULARY)[]).flatMap((protocol, p) =>
    Array.from({ length: LANES }, (_, lane) => ({ protocol, p, lane })));
  await Promise.all(
    lanes.map(async ({ protocol, p, lane }) => {
      for (let i = lane; i < CASES_PER_PROTOCOL; i += LANES) {
        const seed = 1000 * (p + 1) + i;
        if (only !== undefined && seed !== only) continue;
        const started = Date.now();
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`seed ${seed} (${protocol}): still running after ${DEADLINE_MS} ms`)), DEADLINE_MS);
        });
        const status = await Promise.race([runCase(seed, protocol), deadline]).finally(() => clearTimeout(timer));
        assert.ok([0, 1, 2, 3, 4].includes(status), `seed ${seed} (${protocol}): exit status ${status}`);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        slowest = Math.max(slowest, Date.now() - started);
        cases++;
      }
    }),
  );
  gc();
  const grown = process.memoryUsage().heapUsed - heapStart;
  assert.ok(grown < 32 * MB, `heap grew ${(grown / MB).toFixed(1)} MB over ${cases} cases`);
  assert.ok(only !== undefined || cases === 4 * CASES_PER_PROTOCOL);
  // Figures for the record (issue 21's closing note).
  console.log(`fuzz: ${cases} cases, slowest ${slowest} ms, heap +${(grown / MB).toFixed(1)} MB, exit statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
});
