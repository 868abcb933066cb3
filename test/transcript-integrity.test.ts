/**
 * Transcript integrity (issue 7): a recording server compares the transcript
 * with the wire. Long randomized sessions (seeded, so a failure replays
 * exactly) send random client lines split at random chunk sizes, and the
 * server answers with random bytes (control bytes, invalid UTF-8, bare CR
 * and LF) in random chunks, over TCP and TLS. The `C:` bytes must equal what
 * the server received and the `S:` bytes what it sent. A `kill -9` mid-session
 * must leave a transcript that parses and holds every byte mailsh had shown.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertSane } from './support/assert-sane.js';
import { getTestCerts, type TestCerts } from './support/certs.js';
import { runCli } from './support/run-cli.js';
import { startScriptedServer, type ScriptedConn, type ScriptedServer } from './support/scripted-server.js';
import { transcriptBytes } from './support/transcript-bytes.js';

/** mulberry32: a small seeded PRNG, so every run of a seed is the same session. */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

type Random = ReturnType<typeof prng>;

/** Typed text: ASCII, tabs and multi-byte UTF-8, never a control byte, never a leading "/". */
const ALPHABET = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;<>@!?"\'{}[]()\\/+-=_*&^%$#~`|\t', 'é', 'ß', '€', '漢', '😀'];

function randomLine(rnd: Random): string {
  let line = '';
  for (let n = rnd(120); line.length < n; ) line += ALPHABET[rnd(ALPHABET.length)];
  return line.startsWith('/') ? `x${line}` : line;
}

/** Any bytes at all: what a hostile server sends. */
function randomBytes(rnd: Random, max: number): Buffer {
  const b = Buffer.alloc(rnd(max));
  for (let i = 0; i < b.length; i++) b[i] = rnd(4) === 0 ? [0x0d, 0x0a, 0x00, 0x1b, 0xff, 0xc3][rnd(6)] : rnd(256);
  return b;
}

/** Cuts `data` into pieces of random sizes 1..max. */
function chunks(rnd: Random, data: Buffer, max: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; ) {
    const n = 1 + rnd(max);
    out.push(data.subarray(i, i + n));
    i += n;
  }
  return out;
}

/** Writes `data` in random pieces, each after the previous one left. */
async function sendSplit(rnd: Random, conn: ScriptedConn, data: Buffer): Promise<void> {
  for (const piece of chunks(rnd, data, 700)) {
    if (!(await conn.flush(piece))) return;
    if (rnd(3) === 0) await new Promise((r) => setImmediate(r));
  }
}

/** Writes stdin in random pieces (splitting UTF-8 sequences and CRLFs too). */
async function typeSplit(rnd: Random, child: ChildProcess, data: Buffer): Promise<void> {
  for (const piece of chunks(rnd, data, 300)) {
    await new Promise<void>((r) => child.stdin!.write(piece, () => r()));
    if (rnd(2) === 0) await new Promise((r) => setTimeout(r, 1));
  }
}

const servers: ScriptedServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));
let certs: TestCerts;
before(async () => {
  certs = await getTestCerts();
});
const tmp = mkdtempSync(join(tmpdir(), 'mailsh-integrity-'));

type Transport = 'tcp' | 'tls';

/** A line-mode server that answers each line with random bytes; `tail` runs after the last expected line. */
async function recordingServer(rnd: Random, transport: Transport, lines: number, tail: (conn: ScriptedConn) => Promise<void>): Promise<ScriptedServer> {
  let seen = 0;
  const s = await startScriptedServer({
    greeting: 'hello integrity\r\n',
    tlsCert: transport === 'tls' ? certs.good : undefined,
    onLine: async (_line, conn) => {
      await sendSplit(rnd, conn, randomBytes(rnd, 2000));
      if (++seen === lines) await tail(conn);
    },
  });
  servers.push(s);
  return s;
}

const target = (transport: Transport, port: number): string[] => [`${transport}://127.0.0.1:${port}`, '--ca', certs.caCert];

describe('transcript integrity', () => {
  for (const transport of ['tcp', 'tls'] as const) {
    for (const [seed, format] of [[7, 'text'], [1999, 'text'], [424242, 'jsonl']] as const) {
      it(`randomized session, seed ${seed}, over ${transport}, ${format} transcript: C: and S: bytes equal the wire`, async () => {
        const rnd = prng(seed);
        const lines = Array.from({ length: 150 }, () => randomLine(rnd));
        const input = Buffer.from(lines.map((l) => l + (rnd(2) ? '\n' : '\r\n')).join(''), 'utf8');
        let done!: () => void;
        const serverDone = new Promise<void>((r) => (done = r));
        const s = await recordingServer(rnd, transport, lines.length, async (conn) => {
          await sendSplit(rnd, conn, randomBytes(rnd, 5000));
          conn.end();
          done();
        });
        const log = join(tmp, `session-${transport}-${seed}.${format}`);
        const r = await runCli([...target(transport, s.port), '--log', log, '--log-format', format], [], {}, {
          holdStdin: true,
          onSpawn: (child) => {
            void (async () => {
              await typeSplit(rnd, child, input);
              // End of input only once the server has said all it had to say.
              await serverDone;
              child.stdin!.end();
            })();
          },
        });
        assertSane(r, 0, `seed ${seed} ${transport}`);
        await s.firstClosed();
        const t = transcriptBytes(log);
        const conn = s.conns[0];
        assert.ok(t.client.equals(conn.received()), `seed ${seed}: C: bytes (${t.client.length}) equal the ${conn.received().length} bytes received`);
        assert.equal(conn.received().toString('utf8'), lines.map((l) => `${l}\r\n`).join(''));
        assert.ok(t.server.equals(conn.sent()), `seed ${seed}: S: bytes (${t.server.length}) equal the ${conn.sent().length} bytes sent`);
      });
    }

    it(`kill -9 mid-session over ${transport}: the transcript parses and holds every byte up to the last one received`, async () => {
      const rnd = prng(99);
      const lines = Array.from({ length: 30 }, () => randomLine(rnd));
      const MARK = 'MARK-END-OF-CHECKED-PART';
      let checked = 0;
      const s = await recordingServer(rnd, transport, lines.length, async (conn) => {
        await sendSplit(rnd, conn, Buffer.from(`\r\n${MARK}\r\n`));
        checked = conn.sent().length;
        // Keep talking: the kill lands while bytes are still arriving.
        while (await conn.flush(randomBytes(rnd, 3000))) await new Promise((r) => setTimeout(r, 2));
      });
      const log = join(tmp, `kill-${transport}.log`);
      const r = await runCli([...target(transport, s.port), '--log', log], [], {}, {
        holdStdin: true,
        onSpawn: (child) => {
          void typeSplit(rnd, child, Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8'));
          let shown = '';
          child.stdout!.on('data', (d: string) => {
            shown += d;
            // Shown on the screen means received: kill at once, no goodbye.
            if (shown.includes(`S: ${MARK}\n`)) child.kill('SIGKILL');
          });
        },
      });
      assert.equal(r.code, null, 'killed by the signal');
      await s.firstClosed();
      const t = transcriptBytes(log);
      const sent = s.conns[0].sent();
      assert.ok(t.server.length >= checked, `S: holds at least the ${checked} bytes up to the mark (has ${t.server.length})`);
      assert.ok(sent.subarray(0, t.server.length).equals(t.server), 'S: bytes are exactly what was sent, in order');
      assert.ok(t.client.equals(s.conns[0].received()), 'C: bytes equal what the server received');
    });
  }
});
