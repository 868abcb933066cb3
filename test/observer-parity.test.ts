/**
 * Driven and observed give the same transcript (issue 20 §Deliver 2, issue
 * 18): one exchange is driven by mailsh's session (a script against a
 * scripted server, `--log`), then the bytes that server received and sent,
 * in the order they passed, are fed to a SessionObserver writing its own
 * transcript. The C:/S: records must be equal: the observer marks the same
 * secrets as the adapters do when mailsh drives, and no password is shown.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ProtocolName } from '../src/protocol/adapter.js';
import { Transcript } from '../src/transcript/transcript.js';
import { SessionObserver } from '../src/tunnel/observer.js';
import { runInProcess } from './support/run-in-process.js';
import { startScriptedServer, type LineHandler, type ScriptedConn } from './support/scripted-server.js';

let dir: string;
const closers: (() => Promise<void>)[] = [];
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mailsh-parity-'));
});
after(() => Promise.all(closers.map((c) => c())));

const PASSWORD = 'hunter2';
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const PLAIN = b64(`\0alice\0${PASSWORD}`);

/** The C:/S: records of a transcript without their timestamps. */
function records(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((l) => {
      const m = /^\S+ ([CS]:) ?(.*)$/.exec(l);
      return m ? [`${m[1]} ${m[2]}`] : [];
    });
}

interface Case {
  name: string;
  protocol: ProtocolName;
  greeting: string;
  /** What the user types (a script on standard input). */
  script: string;
  onLine: LineHandler;
  files?: Record<string, string>;
}

/** Writes a reply; a goodbye closes the connection after it. */
function answer(conn: ScriptedConn, r: string | undefined): void {
  if (r === undefined) return;
  if (/(^|\n)(221 |\S+ OK bye|\+OK bye|OK "bye")/.test(r)) conn.end(r);
  else conn.write(r);
}

/** SMTP with AUTH (an initial response, or `334` steps), DATA and BDAT (counted off, whole lines). */
function smtpServer(): LineHandler {
  let inData = false;
  let chunk = 0;
  let steps: string[] = [];
  return (line, conn) => {
    if (chunk > 0) {
      chunk -= line.length + 2;
      return answer(conn, chunk > 0 ? undefined : '250 2.0.0 chunk ok\r\n');
    }
    if (inData) return answer(conn, line === '.' ? ((inData = false), '250 2.0.0 queued\r\n') : undefined);
    if (steps.length > 0) return answer(conn, steps.shift());
    const [verb, arg, ir] = line.split(' ');
    switch (verb.toUpperCase()) {
      case 'EHLO':
        return answer(conn, '250-test\r\n250-CHUNKING\r\n250 AUTH PLAIN LOGIN\r\n');
      case 'AUTH':
        if (arg === 'LOGIN') steps = ['334 UGFzc3dvcmQ6\r\n', '235 2.7.0 ok\r\n'];
        else if (ir === undefined) steps = ['235 2.7.0 ok\r\n'];
        return answer(conn, arg === 'LOGIN' ? '334 VXNlcm5hbWU6\r\n' : ir === undefined ? '334 \r\n' : '235 2.7.0 ok\r\n');
      case 'DATA':
        inData = true;
        return answer(conn, '354 go\r\n');
      case 'BDAT':
        chunk = Number(arg);
        return;
      case 'QUIT':
        return answer(conn, '221 2.0.0 bye\r\n');
      default:
        return answer(conn, '250 2.0.0 ok\r\n');
    }
  };
}

const LITERAL = /\{(\d+)(\+?)\}$/;

/** IMAP: LOGIN with literals (`+` for synchronizing ones), AUTHENTICATE with and without SASL-IR, IDLE. */
function imapServer(): LineHandler {
  let open: string | undefined;
  return (line, conn) => {
    const [tag, verb] = line.split(' ');
    const current = open ?? tag;
    const literal = LITERAL.exec(line);
    if (literal) {
      open = current;
      return answer(conn, literal[2] === '' ? '+ go\r\n' : undefined);
    }
    if (open !== undefined && !(verb?.toUpperCase() === 'AUTHENTICATE')) {
      open = undefined;
      return answer(conn, `${current} OK done\r\n`);
    }
    switch (verb?.toUpperCase()) {
      case 'AUTHENTICATE':
        if (line.split(' ').length > 3) return answer(conn, `${tag} OK done\r\n`);
        open = tag;
        return answer(conn, '+ \r\n');
      case 'IDLE':
        open = tag;
        return answer(conn, '+ idling\r\n');
      case 'LOGOUT':
        return answer(conn, `* BYE bye\r\n${tag} OK bye\r\n`);
      default:
        return answer(conn, `${tag} OK done\r\n`);
    }
  };
}

/** POP3: USER/PASS, APOP, AUTH with an initial response or after `+`. */
function pop3Server(): LineHandler {
  let sasl = false;
  return (line, conn) => {
    const [verb, , ir] = line.split(' ');
    if (sasl) {
      sasl = false;
      return answer(conn, '+OK in\r\n');
    }
    if (verb === 'AUTH' && ir === undefined) {
      sasl = true;
      return answer(conn, '+ \r\n');
    }
    answer(conn, verb === 'QUIT' ? '+OK bye\r\n' : '+OK\r\n');
  };
}

/** ManageSieve: AUTHENTICATE with a quoted initial response, or one in a literal. */
function sieveServer(): LineHandler {
  let literal = false;
  return (line, conn) => {
    if (LITERAL.test(line)) {
      literal = true;
      return;
    }
    if (literal) literal = false;
    answer(conn, /^LOGOUT/i.test(line) ? 'OK "bye"\r\n' : 'OK "done"\r\n');
  };
}

const SIEVE_GREETING = '"IMPLEMENTATION" "test"\r\n"SASL" "PLAIN"\r\n"SIEVE" "fileinto"\r\nOK "ready"\r\n';
const IMAP_GREETING = '* OK [CAPABILITY IMAP4rev1 SASL-IR LITERAL+ AUTH=PLAIN IDLE] ready\r\n';
const POP3_GREETING = '+OK ready <1896.697170952@dbc.mtview.ca.us>\r\n';

const CASES: Case[] = [
  { name: 'SMTP AUTH PLAIN with an initial response', protocol: 'smtp', greeting: '220 test ESMTP\r\n', onLine: smtpServer(), script: `EHLO me\nAUTH PLAIN ${PLAIN}\nQUIT\n` },
  { name: 'SMTP AUTH PLAIN after 334', protocol: 'smtp', greeting: '220 test ESMTP\r\n', onLine: smtpServer(), script: `EHLO me\nAUTH PLAIN\n${PLAIN}\nQUIT\n` },
  { name: 'SMTP AUTH LOGIN after 334', protocol: 'smtp', greeting: '220 test ESMTP\r\n', onLine: smtpServer(), script: `EHLO me\nAUTH LOGIN\n${b64('alice')}\n${b64(PASSWORD)}\nQUIT\n` },
  {
    name: 'SMTP DATA with dot lines',
    protocol: 'smtp',
    greeting: '220 test ESMTP\r\n',
    onLine: smtpServer(),
    script: 'EHLO me\nMAIL FROM:<a@b>\nRCPT TO:<c@d>\nDATA\nSubject: x\n\n.starts with a dot\nAUTH PLAIN is data here\n..\n.\nQUIT\n',
  },
  {
    name: 'SMTP BDAT (/send with CHUNKING)',
    protocol: 'smtp',
    greeting: '220 test ESMTP\r\n',
    onLine: smtpServer(),
    files: { 'msg.eml': 'Subject: x\r\n\r\nAUTH PLAIN in a chunk\r\n.\r\n' },
    script: 'EHLO me\nMAIL FROM:<a@b>\nRCPT TO:<c@d>\n/send {dir}/msg.eml\nQUIT\n',
  },
  { name: 'IMAP LOGIN with atoms', protocol: 'imap', greeting: IMAP_GREETING, onLine: imapServer(), script: `a1 LOGIN alice ${PASSWORD}\na2 LOGOUT\n` },
  { name: 'IMAP LOGIN with quoted strings', protocol: 'imap', greeting: IMAP_GREETING, onLine: imapServer(), script: `a1 LOGIN "alice" "${PASSWORD} \\"x\\""\na2 LOGOUT\n` },
  { name: 'IMAP LOGIN with {N} literals', protocol: 'imap', greeting: IMAP_GREETING, onLine: imapServer(), script: `a1 LOGIN {5}\nalice {7}\n${PASSWORD}\na2 LOGOUT\n` },
  { name: 'IMAP LOGIN with {N+} literals', protocol: 'imap', greeting: IMAP_GREETING, onLine: imapServer(), script: `a1 LOGIN {5+}\nalice {7+}\n${PASSWORD}\na2 LOGOUT\n` },
  { name: 'IMAP AUTHENTICATE PLAIN with SASL-IR', protocol: 'imap', greeting: IMAP_GREETING, onLine: imapServer(), script: `a1 AUTHENTICATE PLAIN ${PLAIN}\na2 LOGOUT\n` },
  { name: 'IMAP AUTHENTICATE PLAIN without SASL-IR', protocol: 'imap', greeting: IMAP_GREETING, onLine: imapServer(), script: `a1 AUTHENTICATE PLAIN\n${PLAIN}\na2 LOGOUT\n` },
  { name: 'IMAP IDLE', protocol: 'imap', greeting: IMAP_GREETING, onLine: imapServer(), script: `a1 LOGIN alice ${PASSWORD}\na2 IDLE\nDONE\na3 LOGOUT\n` },
  { name: 'POP3 USER/PASS', protocol: 'pop3', greeting: POP3_GREETING, onLine: pop3Server(), script: `USER alice\nPASS ${PASSWORD}\nQUIT\n` },
  { name: 'POP3 APOP', protocol: 'pop3', greeting: POP3_GREETING, onLine: pop3Server(), script: 'APOP alice c4c9334bac560ecc979e58001b3e22fb\nQUIT\n' },
  { name: 'POP3 AUTH PLAIN with an initial response', protocol: 'pop3', greeting: POP3_GREETING, onLine: pop3Server(), script: `AUTH PLAIN ${PLAIN}\nQUIT\n` },
  { name: 'POP3 AUTH PLAIN after +', protocol: 'pop3', greeting: POP3_GREETING, onLine: pop3Server(), script: `AUTH PLAIN\n${PLAIN}\nQUIT\n` },
  { name: 'Sieve AUTHENTICATE with a string', protocol: 'sieve', greeting: SIEVE_GREETING, onLine: sieveServer(), script: `AUTHENTICATE "PLAIN" "${PLAIN}"\nLOGOUT\n` },
  { name: 'Sieve AUTHENTICATE with a literal', protocol: 'sieve', greeting: SIEVE_GREETING, onLine: sieveServer(), script: `AUTHENTICATE "PLAIN" {${PLAIN.length}+}\n${PLAIN}\nLOGOUT\n` },
];

/** `\\<redacted 1 bytes>\\<redacted 4 bytes>` as one mask of 5 bytes. */
function joinMasks(record: string): string {
  return record.replace(/(?:\\<redacted \d+ bytes>){2,}/g, (run) => {
    const n = [...run.matchAll(/\d+/g)].reduce((sum, m) => sum + Number(m[0]), 0);
    return `\\<redacted ${n} bytes>`;
  });
}

const SCHEME: Record<string, string> = { smtp: 'smtp', imap: 'imap', pop3: 'pop3' };

describe('the observer gives the transcript mailsh writes when it drives', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const server = await startScriptedServer({ greeting: c.greeting, onLine: c.onLine });
      closers.push(() => server.close());
      for (const [name, text] of Object.entries(c.files ?? {})) writeFileSync(join(dir, name), text);
      const driven = join(dir, `${c.name.replace(/\W+/g, '-')}.driven.log`);
      const target = c.protocol in SCHEME ? [`${SCHEME[c.protocol]}://127.0.0.1:${server.port}`] : [`127.0.0.1:${server.port}`, '-p', c.protocol];
      const r = await runInProcess([...target, '--log', driven], [c.script.replaceAll('{dir}', dir)]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      await server.firstClosed();

      const observed = join(dir, `${c.name.replace(/\W+/g, '-')}.observed.log`);
      const transcript = new Transcript({ file: observed, format: 'text', target: 'x', logSecrets: false });
      const observer = new SessionObserver(transcript, c.protocol);
      for (const step of server.conns[0].exchange()) observer[step.from](step.bytes);
      observer.end();
      transcript.close();

      const want = records(driven);
      assert.deepEqual(records(observed), want);
      const text = readFileSync(observed, 'utf8');
      assert.ok(!text.includes(PASSWORD) && !text.includes(PLAIN) && !text.includes(b64(PASSWORD)), text);
      assert.ok(!text.includes('lost track'), text);

      // The client's bytes one at a time (a client may write a literal apart from its line): the same records, a mask may come in parts.
      const split = join(dir, `${c.name.replace(/\W+/g, '-')}.split.log`);
      const t2 = new Transcript({ file: split, format: 'text', target: 'x', logSecrets: false });
      const o2 = new SessionObserver(t2, c.protocol);
      for (const step of server.conns[0].exchange()) {
        if (step.from === 'server') o2.server(step.bytes);
        else for (const byte of step.bytes) o2.client(Buffer.of(byte));
      }
      t2.close();
      assert.deepEqual(records(split).map(joinMasks), want.map(joinMasks));
    });
  }
});

describe('where the observer loses track it masks, and says so', () => {
  const cases: [string, ProtocolName, string, string][] = [
    ['a line before the greeting', 'imap', '', `a1 LOGIN alice ${PASSWORD}\r\n`],
    ['a line ended by a bare LF', 'imap', IMAP_GREETING, `a1 LOGIN alice ${PASSWORD}\n`],
    ['a command mailsh does not know', 'smtp', '220 test ESMTP\r\n', `XAUTH ${PASSWORD}\r\n`],
    ['a last line without a line end', 'pop3', POP3_GREETING, `PASS ${PASSWORD}`],
    ['a line longer than 64 KiB', 'smtp', '220 test ESMTP\r\n', `AUTH PLAIN ${'A'.repeat(70000)}${PASSWORD}`],
  ];
  for (const [name, protocol, greeting, client] of cases) {
    it(name, () => {
      const file = join(dir, `lost-${name.replace(/\W+/g, '-')}.log`);
      const transcript = new Transcript({ file, format: 'text', target: 'x', logSecrets: false });
      const observer = new SessionObserver(transcript, protocol === 'imap' && greeting === '' ? 'auto' : protocol);
      if (greeting) observer.server(Buffer.from(greeting));
      observer.client(Buffer.from(client));
      observer.end();
      transcript.close();
      const text = readFileSync(file, 'utf8');
      assert.ok(!text.includes(PASSWORD), text);
      assert.match(text, /== lost track of the client: .*; masked/);
      assert.match(text, /C: \\<redacted \d+ bytes>/);
    });
  }
});
