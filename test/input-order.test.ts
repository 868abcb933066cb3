/**
 * SPEC §10, issue 16 §1: nothing typed, pasted or piped goes out before the
 * reply that decides what it is (DATA's 354, AUTH's 334, IDLE's and a
 * literal's +, each SASL step), however many earlier replies are still due;
 * a refused DATA, AUTH or literal drops the lines typed as its data.
 *
 * Model-based: one session per protocol is fed in random chunkings and at
 * random moments to a real Session over loopback, against a model server
 * whose replies come at once, all together, one by one, or each late. The
 * bytes the server receives must always be the same, and no line may arrive
 * while a reply that decides it is still held back by the server.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { InputLineSplitter } from '../src/framing/input-lines.js';
import type { ProtocolName } from '../src/protocol/adapter.js';
import { InputQueue, type Pace } from '../src/session/input-queue.js';
import { Session, type SessionOutput } from '../src/session/session.js';
import { randomCuts, seededRandom } from './support/random.js';
import { startScriptedServer, type ScriptedConn } from './support/scripted-server.js';

/** One reply unit as the server writes it. */
interface Answer {
  text: string;
  /** The reply decides what the client's next line is. */
  decides?: boolean;
  /** A refusal: held until all input was typed (what is typed after it is the user's new choice). */
  refuses?: boolean;
  /** The server closes after it. */
  end?: boolean;
}

/** A protocol's model: its server logic, what is typed, and what must arrive. */
interface Model {
  protocol: ProtocolName;
  greeting: string;
  server(): (line: string) => Answer[];
  typed: string[];
  wire: string[];
  /** Notes about dropped lines that must appear. */
  notes: RegExp[];
}

/**
 * A literal's bytes (typed lines and their CRLF) and the rest of its command
 * after it, as a server reads them: `take` returns true for the rest line.
 */
function literalReader(): { start(bytes: number): void; active(): boolean; take(line: string): boolean } {
  let bytes = -1;
  return {
    start: (n) => (bytes = n),
    active: () => bytes >= 0,
    take(line) {
      if (bytes > 0) {
        bytes -= Buffer.byteLength(line, 'latin1') + 2;
        return false;
      }
      bytes = -1;
      return true;
    },
  };
}

const SMTP: Model = {
  protocol: 'smtp',
  greeting: '220 model ESMTP\r\n',
  server() {
    let mode: 'command' | 'data' | 'sasl' = 'command';
    let rcpt = false;
    return (line) => {
      if (mode === 'data') {
        if (line !== '.') return [];
        mode = 'command';
        return [{ text: '250 2.0.0 queued' }];
      }
      if (mode === 'sasl') {
        mode = 'command';
        return [{ text: '235 2.7.0 ok', decides: true }];
      }
      const verb = line.split(/[ :]/)[0].toUpperCase();
      if (verb === 'EHLO') return [{ text: '250-model\r\n250-PIPELINING\r\n250 AUTH PLAIN CRAM-MD5' }];
      if (verb === 'MAIL') rcpt = false;
      if (verb === 'RCPT') rcpt = true;
      if (verb === 'DATA') {
        if (!rcpt) return [{ text: '554 5.5.1 Error: no valid recipients', decides: true, refuses: true }];
        mode = 'data';
        return [{ text: '354 End data with <CR><LF>.<CR><LF>', decides: true }];
      }
      if (line === 'AUTH PLAIN') {
        mode = 'sasl';
        return [{ text: '334 ', decides: true }];
      }
      if (verb === 'AUTH') return [{ text: '504 5.5.4 mechanism not available', decides: true, refuses: true }];
      if (verb === 'QUIT') return [{ text: '221 2.0.0 bye', end: true }];
      return [{ text: '250 2.0.0 ok' }];
    };
  },
  typed: [
    'EHLO x', 'MAIL FROM:<a@x>', 'RCPT TO:<b@x>', 'DATA', 'Subject: x', '', 'RCPT TO:<bob@x>', 'QUIT', '.dot', '.',
    'AUTH PLAIN', 'dGVzdA==', 'NOOP',
    'MAIL FROM:<a@x>', 'DATA', 'Subject: dropped', 'RCPT TO:<evil@x>', 'QUIT', '.',
    'AUTH CRAM-MD5', 'Y3JhbQ==', 'RSET', 'QUIT',
  ],
  wire: [
    'EHLO x', 'MAIL FROM:<a@x>', 'RCPT TO:<b@x>', 'DATA', 'Subject: x', '', 'RCPT TO:<bob@x>', 'QUIT', '..dot', '.',
    'AUTH PLAIN', 'dGVzdA==', 'NOOP',
    'MAIL FROM:<a@x>', 'DATA',
    'AUTH CRAM-MD5', 'RSET', 'QUIT',
  ],
  notes: [/DATA was refused: 4 lines typed for it \(the message, up to the lone "\."\) dropped/, /AUTH was refused: 1 line typed for it \(SASL responses\) dropped/],
};

const IMAP: Model = {
  protocol: 'imap',
  greeting: '* OK [CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN] model\r\n',
  server() {
    const literal = literalReader();
    let waiting: string | undefined;
    let continued: string | undefined;
    return (line) => {
      if (literal.active()) return literal.take(line) ? [{ text: `${continued} OK APPEND done` }] : [];
      if (waiting) {
        const tag = waiting;
        waiting = undefined;
        return line === 'DONE' ? [{ text: `${tag} OK IDLE done` }] : [{ text: `${tag} OK authenticated`, decides: true }];
      }
      const [tag, command = ''] = line.split(' ');
      const literalSize = /\{(\d+)\}$/.exec(line);
      if (literalSize && line.includes('Nope')) return [{ text: `${tag} NO [TRYCREATE] no such mailbox`, decides: true, refuses: true }];
      if (literalSize) {
        literal.start(Number(literalSize[1]));
        continued = tag;
        return [{ text: '+ go ahead', decides: true }];
      }
      if (line.endsWith('AUTHENTICATE CRAM-MD5')) return [{ text: `${tag} NO unsupported`, decides: true, refuses: true }];
      if (command === 'IDLE' || command === 'AUTHENTICATE') {
        waiting = tag;
        return [{ text: command === 'IDLE' ? '+ idling' : '+ ', decides: true }];
      }
      if (command === 'LOGOUT') return [{ text: `* BYE bye\r\n${tag} OK LOGOUT done`, end: true }];
      return [{ text: `${tag} OK ${command} done` }];
    };
  },
  typed: [
    'a LOGIN alice pw', 'b SELECT INBOX', 'c IDLE', 'DONE', 'd APPEND INBOX {12}', 'Subject: x', '', 'e NOOP',
    'f AUTHENTICATE PLAIN', 'dGVzdA==',
    'g APPEND Nope {10}', 'h LOGOUT', '',
    'h AUTHENTICATE CRAM-MD5', 'Y3JhbQ==', 'i LOGOUT',
  ],
  wire: [
    'a LOGIN alice pw', 'b SELECT INBOX', 'c IDLE', 'DONE', 'd APPEND INBOX {12}', 'Subject: x', '', 'e NOOP',
    'f AUTHENTICATE PLAIN', 'dGVzdA==',
    'g APPEND Nope {10}',
    'h AUTHENTICATE CRAM-MD5', 'i LOGOUT',
  ],
  notes: [/APPEND was refused: 2 lines typed for it \(the literal and the rest of its command\) dropped/, /AUTHENTICATE was refused: 1 line/],
};

const POP3: Model = {
  protocol: 'pop3',
  greeting: '+OK model ready\r\n',
  server() {
    let sasl = false;
    return (line) => {
      if (sasl) {
        sasl = false;
        return [{ text: '+OK logged in', decides: true }];
      }
      if (line === 'AUTH PLAIN') {
        sasl = true;
        return [{ text: '+ ', decides: true }];
      }
      if (line.startsWith('AUTH ')) return [{ text: '-ERR unsupported mechanism', decides: true, refuses: true }];
      if (line === 'QUIT') return [{ text: '+OK bye', end: true }];
      return [{ text: '+OK' }];
    };
  },
  typed: ['USER alice', 'PASS pw', 'STAT', 'AUTH PLAIN', 'dGVzdA==', 'AUTH CRAM-MD5', 'Y3JhbQ==', 'NOOP', 'QUIT'],
  wire: ['USER alice', 'PASS pw', 'STAT', 'AUTH PLAIN', 'dGVzdA==', 'AUTH CRAM-MD5', 'NOOP', 'QUIT'],
  notes: [/AUTH was refused: 1 line/],
};

const SIEVE: Model = {
  protocol: 'sieve',
  greeting: '"IMPLEMENTATION" "model"\r\n"SASL" "PLAIN"\r\nOK ready\r\n',
  server() {
    const literal = literalReader();
    let sasl = false;
    return (line) => {
      if (literal.active()) return literal.take(line) ? [{ text: 'OK stored' }] : [];
      if (sasl) {
        sasl = false;
        return [{ text: 'OK authenticated', decides: true }];
      }
      if (line === 'AUTHENTICATE "PLAIN"') {
        sasl = true;
        return [{ text: '""', decides: true }];
      }
      if (line.startsWith('AUTHENTICATE')) return [{ text: 'NO unsupported', decides: true, refuses: true }];
      const size = /\{(\d+)\+\}$/.exec(line);
      if (size) literal.start(Number(size[1]));
      if (size) return [];
      if (line === 'LOGOUT') return [{ text: 'OK bye', end: true }];
      return [{ text: 'OK' }];
    };
  },
  typed: ['AUTHENTICATE "PLAIN"', '"dGVzdA=="', 'PUTSCRIPT "x" {7+}', 'keep;', '', 'AUTHENTICATE "CRAM-MD5"', '"Y3JhbQ=="', 'LISTSCRIPTS', 'LOGOUT'],
  wire: ['AUTHENTICATE "PLAIN"', '"dGVzdA=="', 'PUTSCRIPT "x" {7+}', 'keep;', '', 'AUTHENTICATE "CRAM-MD5"', 'LISTSCRIPTS', 'LOGOUT'],
  notes: [/AUTHENTICATE was refused: 1 line/],
};

type Timing = 'at once' | 'together' | 'one by one' | 'each late';
const TIMINGS: Timing[] = ['at once', 'together', 'one by one', 'each late'];

/**
 * The model server's replies, in order, at the run's timing. Counts replies
 * that decide and are not written yet: a line arriving meanwhile went out too early.
 */
class Outbox {
  private readonly queue: Answer[] = [];
  private pumping = false;
  undecided = 0;
  inputDone = false;
  private wake: () => void = () => undefined;

  constructor(
    private readonly conn: () => ScriptedConn,
    private readonly timing: Timing,
    private readonly random: (n: number) => number,
  ) {}

  add(answer: Answer): void {
    if (answer.decides) this.undecided++;
    this.queue.push(answer);
    if (!this.pumping) void this.pump();
  }

  /** All input was typed: held refusals may go. */
  done(): void {
    this.inputDone = true;
    this.wake();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    if (this.timing === 'together') await sleep(1 + this.random(6));
    while (this.queue.length > 0) {
      const answer = this.queue[0];
      if (answer.refuses && !this.inputDone) await new Promise<void>((resolve) => (this.wake = resolve));
      if (this.timing === 'one by one' || this.timing === 'each late') await sleep(this.random(this.timing === 'each late' ? 8 : 3));
      this.queue.shift();
      if (answer.decides) this.undecided--;
      if (answer.end) this.conn().end(`${answer.text}\r\n`);
      else this.conn().write(`${answer.text}\r\n`);
    }
    this.pumping = false;
  }
}

/** One run: the model's input typed in random pieces at random moments; returns what the server received. */
async function run(model: Model, pace: Pace, seed: number): Promise<{ wire: string; early: string[]; notes: string[]; errors: string[] }> {
  const random = seededRandom(seed);
  const timing = TIMINGS[random(TIMINGS.length)];
  const answer = model.server();
  const early: string[] = [];
  let conn: ScriptedConn | undefined;
  const outbox = new Outbox(() => conn!, timing, random);
  const server = await startScriptedServer({
    greeting: model.greeting,
    onConnect: (c) => {
      conn = c;
    },
    onLine: (line) => {
      if (outbox.undecided > 0) early.push(line);
      answer(line).forEach((a) => outbox.add(a));
    },
  });
  const notes: string[] = [];
  const errors: string[] = [];
  const output: SessionOutput = { server: () => undefined, sent: () => undefined, note: (_level, text) => notes.push(text), stateChanged: () => undefined };
  const session = new Session({
    connect: { host: '127.0.0.1', port: server.port, implicitTls: false, family: 0, timeoutMs: 5000, tls: { insecure: false } },
    protocol: model.protocol,
    starttls: false,
    ehloName: 'x',
    timeoutMs: 5000,
    output,
  });
  try {
    await session.connect();
    const closed = once(session, 'closed');
    const queue = new InputQueue(session, pace, {
      meta: async () => assert.fail('no meta commands here'),
      askSecret: async () => assert.fail('asked for a secret'),
      onError: (err) => errors.push(String(err)),
    });
    // Line ends vary as typed or piped; a piece may end between CR and LF.
    const text = model.typed.map((line) => `${line}${random(2) ? '\r\n' : '\n'}`).join('');
    const splitter = new InputLineSplitter();
    for (const piece of randomCuts(random, text, 24)) {
      splitter.push(piece).forEach((line) => queue.push(line));
      if (random(3) === 0) await sleep(random(4));
      else await new Promise((resolve) => setImmediate(resolve));
    }
    outbox.done();
    await queue.drained();
    queue.ended();
    await Promise.race([closed, sleep(4000, undefined, { ref: false }).then(() => assert.fail(`seed ${seed}: the session did not end`))]);
    return { wire: server.conns[0].received().toString('latin1'), early, notes, errors };
  } finally {
    await session.close();
    await server.close();
  }
}

const SEEDS = [1, 2, 3, 4, 5, 6];
const PACES: Pace[] = ['interactive', 'script', 'pipeline'];

describe('input order: nothing goes out before the reply that decides it', () => {
  for (const model of [SMTP, IMAP, POP3, SIEVE]) {
    it(`${model.protocol}: the same wire bytes at every chunking, pace and server timing; refused data dropped`, async () => {
      const expected = model.wire.map((line) => `${line}\r\n`).join('');
      const runs = PACES.flatMap((pace) => SEEDS.map((seed) => ({ pace, seed })));
      const results = await Promise.all(runs.map(({ pace, seed }) => run(model, pace, seed * 7919 + pace.length)));
      results.forEach((r, i) => {
        const { pace, seed } = runs[i];
        const where = `${model.protocol}, ${pace}, seed ${seed}`;
        assert.deepEqual(r.errors, [], where);
        assert.deepEqual(r.early, [], `${where}: lines sent before the reply that decides them`);
        assert.equal(r.wire, expected, where);
        for (const note of model.notes) assert.ok(r.notes.some((n) => note.test(n)), `${where}: no note ${note} in ${JSON.stringify(r.notes)}`);
      });
    });
  }
});
