/**
 * The sandbox's POP3 server against an independent client: Python's poplib.
 * STLS and POP3S with the sandbox's CA, USER/PASS, APOP, AUTH, CAPA, STAT,
 * LIST, UIDL, RETR and TOP (dot-stuffing), DELE, RSET and QUIT.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { pythonUnavailable, runPython } from './support/python.js';

const noPython = pythonUnavailable();
let sandbox: Sandbox;

before(async () => {
  sandbox = await startSandbox({ portBase: 0, users: [{ name: 'alice', password: 'alice pass' }] });
  // A message whose lines start with dots: poplib must get them back unstuffed.
  sandbox.store.user('alice')!.inbox.append(Buffer.from('Subject: dots\r\n\r\n.one\r\n..two\r\n.\r\nlast\r\n'));
});
after(() => sandbox.stop());

const port = (url: string): number => Number(new URL(url).port);
const skip = (t: TestContext): boolean => {
  if (noPython) t.skip(`skipped: ${noPython}`);
  return noPython !== undefined;
};

/** One poplib session; prints what each step returned, as JSON. */
const SESSION = String.raw`
import json, poplib, ssl, sys
cfg = json.load(sys.stdin)
ctx = ssl.create_default_context(cafile=cfg["ca"])
out = {}
if cfg["tls"] == "implicit":
    p = poplib.POP3_SSL("127.0.0.1", cfg["port"], context=ctx)
else:
    p = poplib.POP3("127.0.0.1", cfg["port"])
    out["capa"] = sorted(p.capa().keys())
    p.stls(context=ctx)
if cfg["login"] == "apop":
    out["login"] = p.apop(cfg["user"], cfg["password"]).decode()
else:
    p.user(cfg["user"])
    out["login"] = p.pass_(cfg["password"]).decode()
out["stat"] = list(p.stat())
out["list"] = [l.decode() for l in p.list()[1]]
out["uidl"] = [l.decode() for l in p.uidl()[1]]
out["retr"] = [l.decode() for l in p.retr(2)[1]]
out["top"] = [l.decode() for l in p.top(1, 0)[1]]
p.dele(1)
out["after_dele"] = list(p.stat())
p.rset()
out["after_rset"] = list(p.stat())
try:
    p.retr(9)
except poplib.error_proto as e:
    out["missing"] = str(e)
if cfg["delete"]:
    p.dele(2)
out["quit"] = p.quit().decode()
print(json.dumps(out))
`;

interface SessionResult {
  capa?: string[];
  login: string;
  stat: [number, number];
  list: string[];
  uidl: string[];
  retr: string[];
  top: string[];
  after_dele: [number, number];
  after_rset: [number, number];
  missing: string;
  quit: string;
}

function session(extra: { tls: 'stls' | 'implicit'; login: 'pass' | 'apop'; delete: boolean }): Promise<SessionResult> {
  const url = extra.tls === 'implicit' ? sandbox.services.pop3s : sandbox.services.pop3;
  return runPython<SessionResult>(SESSION, { ...extra, port: port(url), ca: sandbox.caFile, user: 'alice', password: 'alice pass' });
}

describe('sandbox POP3 with Python poplib', () => {
  it('STLS, USER/PASS, STAT, LIST, UIDL, RETR and TOP unstuffed, DELE, RSET, QUIT', async (t) => {
    if (skip(t)) return;
    const r = await session({ tls: 'stls', login: 'pass', delete: false });
    assert.ok(r.capa?.includes('STLS') && r.capa.includes('UIDL') && r.capa.includes('SASL'), String(r.capa));
    assert.match(r.login, /^\+OK/);
    assert.equal(r.stat[0], 2);
    assert.equal(r.list.length, 2);
    assert.match(r.uidl[0], /^1 \d+\.1$/);
    assert.deepEqual(r.retr, ['Subject: dots', '', '.one', '..two', '.', 'last']);
    assert.equal(r.top[r.top.length - 1], '', 'TOP 1 0: the header and the empty line only');
    assert.ok(r.top.some((l) => l.startsWith('Subject: Welcome')));
    assert.deepEqual(r.after_dele, [1, r.stat[1] - Number(r.list[0].split(' ')[1])]);
    assert.deepEqual(r.after_rset, r.stat);
    assert.match(r.missing, /-ERR/);
    assert.match(r.quit, /^\+OK/);
  });

  it('POP3S with APOP; DELE then QUIT removes the message for good', async (t) => {
    if (skip(t)) return;
    const r = await session({ tls: 'implicit', login: 'apop', delete: true });
    assert.match(r.login, /^\+OK/);
    assert.equal(sandbox.store.user('alice')!.inbox.messages.length, 1);
    const again = await session({ tls: 'implicit', login: 'pass', delete: false }).catch((err: Error) => err);
    // Only one message is left, so RETR 2 fails: poplib raises.
    assert.ok(again instanceof Error && /-ERR No such message 2/.test(again.message), String(again));
  });

  it('a wrong password is -ERR [AUTH]', async (t) => {
    if (skip(t)) return;
    const r = await runPython<{ error: string }>(
      String.raw`
import json, poplib, sys
cfg = json.load(sys.stdin)
p = poplib.POP3("127.0.0.1", cfg["port"])
p.user("alice")
try:
    p.pass_("wrong")
except poplib.error_proto as e:
    print(json.dumps({"error": str(e)}))
`,
      { port: port(sandbox.services.pop3) },
    );
    assert.match(r.error, /-ERR \[AUTH\]/);
  });
});
