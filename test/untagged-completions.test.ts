/**
 * Issue 21 item 11: a line sent without mailsh's tag (`/tag off`, or a first
 * word mailsh does not know) still gets a completion from the server, and a
 * refusal there counts: `/tag off` then `/login` sends `LOGIN "alice" …`,
 * which Dovecot answers `LOGIN BAD`, and the script exits 1, not 0.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ImapAdapter } from '../src/protocol/imap.js';
import { feedLines, repliesOf } from './support/adapter-feed.js';
import { runCli } from './support/run-cli.js';
import { useRealServers } from './support/real-fixture.js';

const real = useRealServers();

function greeted(): ImapAdapter {
  const a = new ImapAdapter();
  feedLines(a, '* OK [CAPABILITY IMAP4rev1] hi\r\n');
  a.autoTag = false;
  return a;
}

describe('in process: completions of lines sent as typed', () => {
  it('the first word is the tag the server echoes: its BAD is a failed reply, nothing is left pending', () => {
    const a = greeted();
    a.prepare('LOGIN "alice" "pw"');
    assert.equal(a.pending, 1);
    const { events } = feedLines(a, 'LOGIN BAD Error in IMAP command received by server.\r\n');
    assert.deepEqual(repliesOf(events).map((r) => r.cls), ['fail']);
    assert.ok(!events.some((e) => e.type === 'notice'), 'no "not in flight" warning');
    assert.equal(a.pending, 0);
  });

  it('a first word that cannot be a tag: the untagged BAD, or a completion mailsh cannot match, answers it', () => {
    const a = greeted();
    a.prepare('* NOOP');
    a.prepare('(x NOOP');
    assert.equal(a.pending, 2);
    assert.deepEqual(repliesOf(feedLines(a, '* BAD Error in IMAP command received by server.\r\n').events).map((r) => r.status), ['BAD']);
    assert.deepEqual(repliesOf(feedLines(a, 'Z9 NO what\r\n').events).map((r) => r.status), ['NO']);
    assert.equal(a.pending, 0);
    // With nothing of the kind outstanding, a stray completion is still a warning.
    assert.ok(feedLines(a, 'Z9 OK stray\r\n').events.some((e) => e.type === 'notice'));
  });

  it('an untagged * BAD with nothing sent as typed is no reply, and hand tags still match', () => {
    const a = greeted();
    assert.deepEqual(repliesOf(feedLines(a, '* BAD noise\r\n').events), []);
    a.prepare('a1 NOOP');
    assert.deepEqual(repliesOf(feedLines(a, 'a1 OK done\r\n').events).map((r) => r.cls), ['ok']);
    assert.equal(a.pending, 0);
  });
});

describe('Dovecot: /tag off', () => {
  it('then /login: LOGIN BAD counts, exit 1', async (t) => {
    const s = real(t);
    if (!s) return;
    const alice = s.users.find((u) => u.name === 'alice')!;
    const r = await runCli([`imap://127.0.0.1:${s.imapPort}`, '--timeout', '5', '-e', '/tag off', '-e', `/login alice ${alice.password}`]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^S: LOGIN BAD /m);
    assert.doesNotMatch(r.stdout + r.stderr, new RegExp(alice.password));
    assert.doesNotMatch(r.stderr, /not in flight/);
  });

  it('then a line whose first word cannot be a tag: the untagged BAD counts, exit 1', async (t) => {
    const s = real(t);
    if (!s) return;
    const r = await runCli([`imap://127.0.0.1:${s.imapPort}`, '--timeout', '5', '-e', '/tag off', '-e', '* NOOP']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^S: \* BAD /m);
  });

  it('then lines tagged by hand: all OK, exit 0, no warning', async (t) => {
    const s = real(t);
    if (!s) return;
    const alice = s.users.find((u) => u.name === 'alice')!;
    const r = await runCli([`imap://127.0.0.1:${s.imapPort}`, '--timeout', '5', '-e', '/tag off', '-e', `a login alice ${alice.password}`, '-e', 'b NOOP', '-e', 'c LOGOUT']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^S: c OK Logout/m);
    assert.doesNotMatch(r.stderr, /!!/);
  });

  it('then a script that ends without LOGOUT: mailsh\'s own goodbye is tagged, logs out, exit 0, no warning', async (t) => {
    const s = real(t);
    if (!s) return;
    const r = await runCli([`imap://127.0.0.1:${s.imapPort}`, '--timeout', '5', '-e', '/tag off', '-e', 'a NOOP']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^C: (\S+) LOGOUT\r?\nS: \* BYE [^\n]*\nS: \1 OK Logout/m);
    assert.doesNotMatch(r.stdout, /^S: LOGOUT BAD/m);
    assert.doesNotMatch(r.stderr, /!!/);
  });
});
