/**
 * Nothing leaks (SPEC §9): every credential form goes through real servers
 * with a transcript in text and in jsonl, and through the REPL with a history
 * file; then every file mailsh wrote, and everything it printed, is searched
 * for the password, its base64 and the PLAIN blob.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { killAllPtys, spawnCli } from './support/pty-session.js';
import type { RealServers } from './support/real-servers.js';
import { useRealServers } from './support/real-fixture.js';
import { runInProcess } from './support/run-in-process.js';

const real = useRealServers();
after(() => killAllPtys());

const USER = 'alice';
const PASSWORD = 'alice-secret';
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const PLAIN = b64(`\0${USER}\0${PASSWORD}`);

/** The forms a secret may take on disk or on screen. */
const NEEDLES = [PASSWORD, b64(PASSWORD), PLAIN, b64(`${USER}\0${PASSWORD}`)];

/**
 * Every credential form of SPEC §9, typed as a user would. Each session starts
 * fresh, so that every form is one the server accepts: a refused command
 * would make the next typed line (the password) a command of its own.
 */
function sessions(s: RealServers): { name: string; args: string[]; lines: string[] }[] {
  const imap = [`imap://localhost:${s.imapPort}`];
  const submission = [`submission://localhost:${s.submissionPort}`, '--ca', s.caFile];
  const pop3 = [`pop3://localhost:${s.pop3Port}`];
  const sieve = [`sieve://localhost:${s.sievePort}`, '--ca', s.caFile];
  return [
    { name: 'imap-login-atoms', args: imap, lines: [`a login ${USER} ${PASSWORD}`, `x noop {{b64 ${PASSWORD}}}`] },
    { name: 'imap-login-quoted', args: imap, lines: [`login "${USER}" "${PASSWORD}"`] },
    { name: 'imap-login-literal', args: imap, lines: [`login ${USER} {${PASSWORD.length}}`, PASSWORD] },
    { name: 'imap-login-helper', args: imap, lines: [`/login ${USER} ${PASSWORD}`] },
    { name: 'imap-authenticate-ir', args: imap, lines: [`b AUTHENTICATE PLAIN ${PLAIN}`] },
    { name: 'imap-authenticate-continuation', args: imap, lines: ['c AUTHENTICATE PLAIN', PLAIN] },
    { name: 'imap-authenticate-inline-helper', args: imap, lines: [`d AUTHENTICATE PLAIN {{plain ${USER} ${PASSWORD}}}`] },
    { name: 'imap-auth-login', args: imap, lines: [`/auth LOGIN ${USER} ${PASSWORD}`] },
    { name: 'smtp-auth-ir', args: submission, lines: ['EHLO client.test', `AUTH PLAIN ${PLAIN}`] },
    { name: 'smtp-auth-continuation', args: submission, lines: ['EHLO client.test', 'AUTH PLAIN', PLAIN] },
    { name: 'smtp-auth-login-helpers', args: submission, lines: ['EHLO client.test', 'AUTH LOGIN', `{{login ${USER}}}`, `{{login ${PASSWORD}}}`] },
    { name: 'smtp-auth-login-ir', args: submission, lines: ['EHLO client.test', `AUTH LOGIN ${b64(USER)}`, b64(PASSWORD)] },
    { name: 'smtp-auth-cram-md5', args: submission, lines: [`/auth CRAM-MD5 ${USER} ${PASSWORD}`] },
    { name: 'pop3-user-pass', args: pop3, lines: [`USER ${USER}`, `PASS ${PASSWORD}`] },
    { name: 'pop3-apop', args: pop3, lines: [`APOP {{apop ${USER} ${PASSWORD}}}`] },
    { name: 'pop3-auth-ir', args: pop3, lines: [`AUTH PLAIN ${PLAIN}`] },
    { name: 'pop3-auth-continuation', args: pop3, lines: ['AUTH PLAIN', PLAIN] },
    { name: 'pop3-auth-scram', args: pop3, lines: [`/auth SCRAM-SHA-1 ${USER} ${PASSWORD}`] },
    { name: 'sieve-authenticate', args: sieve, lines: [`AUTHENTICATE "PLAIN" "${PLAIN}"`] },
    { name: 'sieve-auth-scram', args: sieve, lines: [`/auth SCRAM-SHA-256 ${USER} ${PASSWORD}`] },
    // Forms servers accept that a per-adapter regex missed (issue 21): leading
    // blanks, tabs, a mechanism sent as a literal; and line mode.
    { name: 'smtp-auth-leading-space', args: submission, lines: ['EHLO client.test', ` AUTH PLAIN ${PLAIN}`] },
    { name: 'smtp-auth-login-leading-tab', args: submission, lines: ['EHLO client.test', `\tauth\tlogin ${b64(USER)}`, b64(PASSWORD)] },
    { name: 'sieve-authenticate-mechanism-literal', args: sieve, lines: ['AUTHENTICATE {5+}', `PLAIN "${PLAIN}"`] },
    { name: 'line-mode-imap-login', args: [`tcp://localhost:${s.imapPort}`], lines: [`a login ${USER} ${PASSWORD}`, 'b logout'] },
    { name: 'raw-smtps-auth', args: [`smtps://localhost:${s.smtpsPort}`, '--ca', s.caFile, '--raw'], lines: ['EHLO client.test', `AUTH PLAIN ${PLAIN}`, 'QUIT'] },
  ];
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

function assertNoLeak(where: string, text: string): void {
  for (const needle of NEEDLES) assert.ok(!text.includes(needle), `${where} contains ${JSON.stringify(needle)}`);
}

describe('no credential reaches a transcript, the history or the screen', () => {
  for (const format of ['text', 'jsonl'] as const) {
    it(`script sessions with --log-format ${format}`, async (t) => {
      const s = real(t);
      if (!s) return;
      const dir = mkdtempSync(join(tmpdir(), `mailsh-leak-${format}-`));
      for (const session of sessions(s)) {
        const log = join(dir, `${session.name}.${format}`);
        const r = await runInProcess([...session.args, '--log', log, '--log-format', format], [`${session.lines.join('\n')}\n`], { XDG_STATE_HOME: dir });
        // Every form is accepted: a refusal would mean the test sent something else.
        assert.equal(r.code, 0, `${session.name}: exit ${r.code}\n${r.stdout}${r.stderr}`);
        assertNoLeak(`${session.name} output`, r.stdout + r.stderr);
        const transcript = readFileSync(log, 'utf8');
        // The lines were really sent: the masks are there.
        assert.match(transcript, format === 'text' ? /redacted \d+ bytes/ : /\{"redacted":\d+\}/, session.name);
        assert.equal(statSync(log).mode & 0o777, 0o600);
      }
      const files = filesUnder(dir);
      assert.equal(files.length, sessions(s).length);
      for (const file of files) assertNoLeak(file, readFileSync(file, 'latin1'));
    });
  }

  it('the REPL: history, transcript and screen', async (t) => {
    const s = real(t);
    if (!s) return;
    const home = mkdtempSync(join(tmpdir(), 'mailsh-leak-repl-'));
    const log = join(home, 'session.log');
    const cli = spawnCli([`imap://localhost:${s.imapPort}`, '--log', log], { env: { HOME: home, XDG_STATE_HOME: join(home, 'state') } });
    await cli.waitForLine('imap> ');
    // The literal LOGIN first, while the server takes it; the other forms are
    // single lines, refused (BAD) once logged in but sent and echoed all the same.
    const lines = [
      `login ${USER} {${PASSWORD.length}}`,
      PASSWORD,
      `a login ${USER} ${PASSWORD}`,
      `/login ${USER} ${PASSWORD}`,
      `b AUTHENTICATE PLAIN ${PLAIN}`,
      `d AUTHENTICATE PLAIN {{plain ${USER} ${PASSWORD}}}`,
      `x noop {{b64 ${PASSWORD}}}`,
    ];
    for (const line of [...lines, 'y noop']) {
      const mark = cli.mark();
      cli.type(`${line}\r`);
      // Wait for each command's echo, so that every line is read in its mode.
      await cli.waitFor(/C: \S/, 10000, mark);
    }
    await cli.waitFor(/S: y OK/, 10000);
    cli.type('\x04');
    assert.equal(await cli.exited, 0);
    const history = readFileSync(join(home, 'state', 'mailsh', 'history-imap'), 'utf8');
    assert.match(history, /^y noop$/m, 'the history file was written');
    for (const file of filesUnder(home)) assertNoLeak(file, readFileSync(file, 'latin1'));
    // The screen shows what was sent, masked; only the typed password itself
    // was visible while typing, and the echo replaced it.
    assertNoLeak('screen', cli.screenLines().join('\n'));
  });
});
