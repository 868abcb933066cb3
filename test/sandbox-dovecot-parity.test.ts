/**
 * The same mailsh session scripts against real Postfix/Dovecot and against
 * the sandbox, with the same checks: the sandbox is only useful for
 * practice if what passes there passes on a real server, and the other way
 * round. Any difference is a failure here. Checks are about the protocol
 * (tags, codes, literals, TLS), never about wording only one server uses.
 * The real half skips with its reason when Postfix/Dovecot cannot run.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { useRealServers } from './support/real-fixture.js';
import { CLI } from './support/run-cli.js';
import { runInProcess } from './support/run-in-process.js';

/** What a script needs to know about the servers it runs against. */
interface Target {
  imap: number;
  imaps: number;
  pop3: number;
  pop3s: number;
  smtp: number;
  submission: number;
  ca: string;
  domain: string;
}

/** The real servers' users; the sandbox gets the same names and passwords. */
const USERS = { alice: 'alice-secret', bob: 'bob-secret', carol: 'say "hi"!' };

interface SessionScript {
  name: string;
  args(t: Target): string[];
  /** Lines typed, in order (sent as one piped input). */
  lines(t: Target): string[];
  env?: NodeJS.ProcessEnv;
  exit: number;
  stdout(t: Target): RegExp[];
  stderr?: RegExp[];
}

const marker = (what: string): string => `${what}-${process.pid}`;
const appendFile = join(mkdtempSync(join(tmpdir(), 'mailsh-parity-')), 'msg.eml');
writeFileSync(appendFile, `Subject: ${marker('append')}\n\nline one\n.dot line\n`);
const appendSize = Buffer.byteLength(`Subject: ${marker('append')}\r\n\r\nline one\r\n.dot line\r\n`);
const literalBody = ['Subject: literal test', '', 'A001 OK fake', '* BYE not really'];

const SCRIPTS: SessionScript[] = [
  {
    name: 'IMAP seed session with hand tags: LOGIN, LIST, SELECT, LOGOUT',
    args: (t) => [`imap://127.0.0.1:${t.imap}`],
    lines: () => [`a login alice ${USERS.alice}`, 'b LIST "" "*"', 'c SELECT INBOX', 'd LOGOUT'],
    exit: 0,
    stdout: () => [/^C: a login alice <redacted \d+ bytes>$/m, /^S: a OK /m, /^S: \* LIST \(.*\) "[./]" INBOX$/m, /^S: \* \d+ EXISTS$/m, /^S: \* OK \[UIDVALIDITY \d+\]/m, /^S: c OK \[READ-WRITE\]/m, /^S: \* BYE /m, /^S: d OK /m],
  },
  {
    name: 'IMAP STARTTLS typed by hand, verified against the CA; capabilities asked again',
    args: (t) => [`imap://localhost:${t.imap}`, '--ca', t.ca],
    lines: () => ['capability', 'starttls', 'capability', `login alice ${USERS.alice}`, 'select INBOX', 'logout'],
    exit: 0,
    stdout: () => [/^S: \* CAPABILITY .*STARTTLS/m, /^C: A002 starttls\nS: A002 OK/m, /^C: A003 capability\nS: \* CAPABILITY (?!.*STARTTLS)/m, /^S: A005 OK \[READ-WRITE\]/m],
    stderr: [/TLS TLSv1\.\d .*certificate verified/, /send CAPABILITY again/],
  },
  {
    name: 'IMAPS with a wrong password: NO, and the script fails with exit 1',
    args: (t) => [`imaps://localhost:${t.imaps}`, '--ca', t.ca, '-e', 'login alice wrong-password'],
    lines: () => [],
    exit: 1,
    stdout: () => [/^S: A001 NO \[AUTHENTICATIONFAILED\]/m],
  },
  {
    name: 'IMAP APPEND with a typed {N} literal; body lines that look like replies do not confuse the tracker',
    args: (t) => [`imap://127.0.0.1:${t.imap}`],
    lines: () => [`login bob ${USERS.bob}`, `append INBOX {${Buffer.byteLength(literalBody.join('\r\n'))}}`, ...literalBody, 'select INBOX', 'fetch * body[]', 'noop', 'fetch * (bodystructure body.peek[1])'],
    exit: 0,
    stdout: () => [
      /^S: \+ /m,
      /^S: A002 OK \[APPENDUID \d+ \d+\] /m,
      /^S: \* \d+ FETCH \(.*BODY\[\] \{\d+\}$/m,
      /^S: A001 OK fake$/m,
      /^S: A004 OK /m,
      /^C: A005 noop\nS: A005 OK/m,
      // A message without Content-Type is text/plain; charset=us-ascii (RFC 2045 §5.2); part 1 is its body.
      /^S: \* \d+ FETCH \(BODYSTRUCTURE \("text" "plain" \("charset" "us-ascii"\) NIL NIL "7bit" 30 1 NIL NIL NIL NIL\) BODY\[1\] \{30\}$/im,
    ],
  },
  {
    name: 'IMAP LOGIN with a quoted password containing " and !',
    args: (t) => [`imap://127.0.0.1:${t.imap}`, '-e', `login carol "${USERS.carol.replace(/["\\]/g, '\\$&')}"`],
    lines: () => [],
    exit: 0,
    stdout: () => [/^S: A001 OK /m],
  },
  {
    name: 'IMAP /login quotes a password with " and !',
    args: (t) => [`imap://127.0.0.1:${t.imap}`, '-e', `/login carol '${USERS.carol}'`],
    lines: () => [],
    exit: 0,
    stdout: () => [/^C: A001 LOGIN "carol" <redacted \d+ bytes>$/m, /^S: A001 OK /m],
  },
  {
    name: 'IMAP /login sends a non-ASCII password as a LITERAL+ literal; NO, and the session goes on',
    args: (t) => [`imap://127.0.0.1:${t.imap}`, '-e', '/login alice grüße', '-e', 'noop'],
    lines: () => [],
    exit: 1,
    stdout: () => [/^C: A001 LOGIN "alice" \{7\+\}$/m, /^C: <redacted 7 bytes>$/m, /^S: A001 NO /m, /^C: A002 noop\nS: A002 OK/m],
  },
  {
    name: 'IMAP /append streams a file as a sized literal with flags; SEARCH and FETCH find it',
    args: (t) => [`imap://127.0.0.1:${t.imap}`, '-e', `login bob ${USERS.bob}`, '-e', `/append INBOX ${appendFile} \\Flagged`, '-e', 'select INBOX', '-e', `uid search subject ${marker('append')}`, '-e', 'fetch 1:* (flags)', '-e', 'examine INBOX'],
    lines: () => [],
    exit: 0,
    stdout: () => [new RegExp(`^C: A002 APPEND "INBOX" \\(\\\\Flagged\\) \\{${appendSize}\\+\\}$`, 'm'), /^S: A002 OK \[APPENDUID \d+ \d+\]/m, /^S: \* SEARCH \d+$/m, /^S: \* \d+ FETCH \(FLAGS \([^)]*\\Flagged/m, /^S: A006 OK \[READ-ONLY\]/m],
  },
  {
    name: 'IMAP CREATE, UID FETCH, STORE, UID COPY with COPYUID, STATUS, EXPUNGE; BAD for broken syntax',
    args: (t) => [`imap://127.0.0.1:${t.imap}`],
    lines: () => [`login bob ${USERS.bob}`, `create ${marker('box')}`, 'select INBOX', 'uid fetch 1:* (uid flags)', 'store 1 +flags (\\Deleted)', `uid copy 1:* ${marker('box')}`, `status ${marker('box')} (messages uidnext)`, 'expunge', 'fetch 1 (flags', 'logout'],
    exit: 1,
    stdout: () => [/^S: A002 OK /m, /^S: \* \d+ FETCH \(UID \d+ FLAGS/m, /^S: \* 1 FETCH \(FLAGS \([^)]*\\Deleted/m, /^S: A006 OK \[COPYUID \d+ [\d:,]+ [\d:,]+\]/m, /^S: \* STATUS \S+ \(MESSAGES [1-9]\d* UIDNEXT \d+\)$/m, /^S: \* 1 EXPUNGE$/m, /^S: A009 BAD /m, /^S: A010 OK /m],
  },
  {
    name: 'POP3 STLS in place, then USER/PASS, STAT, LIST, UIDL, TOP and QUIT',
    args: (t) => [`pop3://localhost:${t.pop3}`, '--ca', t.ca],
    lines: () => ['CAPA', 'STLS', `USER alice`, `PASS ${USERS.alice}`, 'STAT', 'LIST', 'UIDL', 'QUIT'],
    exit: 0,
    stdout: () => [/^S: STLS$/m, /^C: STLS\nS: \+OK/m, /^C: PASS <redacted \d+ bytes>$/m, /^C: STAT\nS: \+OK \d+ \d+$/m, /^C: LIST\nS: \+OK [^\n]*\n(S: \d+ \d+\n)*S: \.$/m, /^C: UIDL\nS: \+OK[^\n]*\n(S: \d+ \S+\n)*S: \.$/m, /^C: QUIT\nS: \+OK Logging out/m],
    stderr: [/certificate verified/],
  },
  {
    name: 'POP3S with a wrong password: -ERR, exit 1',
    args: (t) => [`pop3s://localhost:${t.pop3s}`, '--ca', t.ca, '-e', 'USER alice', '-e', 'PASS nope'],
    lines: () => [],
    exit: 1,
    stdout: () => [/^S: -ERR \[AUTH\] /m],
  },
  {
    name: 'SMTP MX port: relay to another domain is refused with 554 5.7.1',
    args: (t) => [`smtp://127.0.0.1:${t.smtp}`],
    lines: () => ['EHLO client.example', 'MAIL FROM:<x@example.org>', 'RCPT TO:<someone@example.com>', 'QUIT'],
    exit: 1,
    stdout: () => [/^S: 250[- ]STARTTLS$|^S: 250 /m, /^S: 554 5\.7\.1 <someone@example\.com>: Relay access denied$/m, /^S: 221 /m],
  },
  {
    name: 'SMTP MX port: the classic EHLO / MAIL / RCPT / DATA walk delivers to a local user',
    args: (t) => [`smtp://127.0.0.1:${t.smtp}`],
    lines: (t) => ['EHLO client.example', 'MAIL FROM:<x@example.org>', `RCPT TO:<alice@${t.domain}>`, 'DATA', `Subject: ${marker('mx')}`, '', '.dotted line', '.', 'QUIT'],
    exit: 0,
    stdout: () => [/^S: 354 /m, /^C: \.\.dotted line$/m, /^C: \.\nS: 250 2\.0\.0 /m],
  },
  {
    name: 'SMTP submission: STARTTLS at connect, AUTH PLAIN, then mail to a local user',
    args: (t) => [`submission://localhost:${t.submission}`, '--ca', t.ca, '--ehlo', 'client.example'],
    // RFC 3207 §4.2: after TLS the client starts over with EHLO; AUTH is offered only now.
    lines: (t) => ['EHLO client.example', `AUTH PLAIN ${Buffer.from(`\0bob\0${USERS.bob}`).toString('base64')}`, 'MAIL FROM:<bob@example.org>', `RCPT TO:<alice@${t.domain}>`, 'DATA', `Subject: ${marker('submission')}`, '', 'hi', '.', 'QUIT'],
    exit: 0,
    stdout: () => [
      // No AUTH before STARTTLS (smtpd_tls_auth_only), AUTH after it.
      /^C: EHLO client\.example\n(S: 250-(?!AUTH)[^\n]*\n)*S: 250 [^\n]*\nC: STARTTLS$/m,
      /^S: 250[- ]AUTH .*PLAIN/m,
      /^C: AUTH PLAIN <redacted \d+ bytes>\nS: 235 /m,
      /^C: \.\nS: 250 /m,
    ],
    stderr: [/certificate verified/],
  },
];

/** Polls IMAP until `subject` is in alice's INBOX (Postfix delivers through its queue, so not at once). */
async function readBack(t: Target, subject: string): Promise<string> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const r = await runInProcess([`imap://127.0.0.1:${t.imap}`, '-e', `login alice ${USERS.alice}`, '-e', 'select INBOX', '-e', `search subject ${subject}`]);
    const hit = /^S: \* SEARCH (\d+)/m.exec(r.stdout);
    if (hit) return hit[1];
    if (Date.now() > deadline) throw new Error(`${subject} never arrived: ${r.stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function runScript(script: SessionScript, t: Target): Promise<void> {
  const lines = script.lines(t);
  const r = await runInProcess(script.args(t), lines.length > 0 ? [`${lines.join('\n')}\n`] : [], script.env);
  assert.equal(r.code, script.exit, `exit status\n${r.stdout}${r.stderr}`);
  for (const re of script.stdout(t)) assert.match(r.stdout, re, r.stdout);
  for (const re of script.stderr ?? []) assert.match(r.stderr, re, r.stderr);
}

/** IDLE in a live session while mail is delivered over SMTP: EXISTS arrives, then DONE ends it. */
async function idleWhileDelivering(t: Target): Promise<void> {
  const child = spawn(process.execPath, [CLI, `imap://127.0.0.1:${t.imap}`], { env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const seen = async (re: RegExp): Promise<void> => {
    const deadline = Date.now() + 15_000;
    while (!re.test(out)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}: ${out}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  child.stdin.write(`login alice ${USERS.alice}\nselect INBOX\nidle\n`);
  await seen(/^S: \+ idling/m);
  const delivered = await runInProcess([`smtp://127.0.0.1:${t.smtp}`], [`EHLO client.example\nMAIL FROM:<x@example.org>\nRCPT TO:<alice@${t.domain}>\nDATA\nSubject: ${marker('idle')}\n\nhi\n.\nQUIT\n`]);
  assert.equal(delivered.code, 0, delivered.stdout);
  await seen(/^S: \* \d+ EXISTS$/m);
  child.stdin.end('done\n');
  assert.equal(await exited, 0, out);
  assert.match(out, /^C: done\nS: A003 OK Idle completed/m);
}

const real = useRealServers();
let sandbox: Sandbox;
before(async () => {
  sandbox = await startSandbox({ portBase: 0, users: Object.entries(USERS).map(([name, password]) => ({ name, password })) });
});
after(() => sandbox.stop());

const targets: [string, (t: TestContext) => Target | undefined][] = [
  [
    'Postfix/Dovecot',
    (t) => {
      const s = real(t);
      return s && { imap: s.imapPort, imaps: s.imapsPort, pop3: s.pop3Port, pop3s: s.pop3sPort, smtp: s.smtpPort, submission: s.submissionPort, ca: s.caFile, domain: s.domain };
    },
  ],
  [
    'sandbox',
    () => {
      const port = (name: keyof Sandbox['services']): number => Number(new URL(sandbox.services[name]).port);
      return { imap: port('imap'), imaps: port('imaps'), pop3: port('pop3'), pop3s: port('pop3s'), smtp: port('smtp'), submission: port('submission'), ca: sandbox.caFile, domain: sandbox.users[0].address.split('@')[1] };
    },
  ],
];

for (const [server, target] of targets) {
  describe(`session scripts against ${server}`, () => {
    for (const script of SCRIPTS) {
      it(script.name, async (t) => {
        const tg = target(t);
        if (tg) await runScript(script, tg);
      });
    }
    it('mail sent over the MX port and over submission is read back over IMAP', async (t) => {
      const tg = target(t);
      if (!tg) return;
      assert.match(await readBack(tg, marker('mx')), /^\d+$/);
      assert.match(await readBack(tg, marker('submission')), /^\d+$/);
    });
    it('IDLE shows EXISTS when a message is delivered meanwhile, then done', async (t) => {
      const tg = target(t);
      if (tg) await idleWhileDelivering(tg);
    });
  });
}
