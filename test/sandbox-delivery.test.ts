/**
 * Mail through the sandbox: sent over SMTP (nodemailer, an independent
 * client) and read back over IMAP (imapflow) and POP3 (Python's poplib).
 * The MX port delivers locally and refuses relay like Postfix; submission
 * and SMTPS want AUTH, which is only offered once TLS is on.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { pythonUnavailable, runPython } from './support/python.js';

let sandbox: Sandbox;
let ca: string;
before(async () => {
  sandbox = await startSandbox({ portBase: 0, users: [{ name: 'demo', password: 'demo' }, { name: 'erin', password: 'erin-pw' }] });
  ca = readFileSync(sandbox.caFile, 'utf8');
});
after(() => sandbox.stop());

const port = (url: string): number => Number(new URL(url).port);

function transport(service: 'smtp' | 'submission' | 'smtps', auth?: { user: string; pass: string }) {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port: port(sandbox.services[service]),
    secure: service === 'smtps',
    tls: { ca },
    auth,
    // No DNS and no reverse look-ups: the name we say in EHLO.
    name: 'client.example',
  });
}

async function imapSources(user: string, password: string): Promise<string[]> {
  const client = new ImapFlow({ host: '127.0.0.1', port: port(sandbox.services.imaps), secure: true, tls: { ca }, auth: { user, pass: password }, logger: false });
  await client.connect();
  await client.mailboxOpen('INBOX');
  const sources: string[] = [];
  for await (const msg of client.fetch('1:*', { source: true })) sources.push(msg.source?.toString() ?? '');
  await client.logout();
  return sources;
}

describe('sandbox SMTP delivery', () => {
  it('a message sent to the MX port is read back over IMAP and POP3, dots and all', async (t) => {
    const marker = `delivery-${process.pid}`;
    const info = await transport('smtp').sendMail({
      from: 'someone@example.org',
      to: 'demo@localhost',
      subject: marker,
      text: 'first line\n.starts with a dot\n',
    });
    assert.deepEqual(info.accepted, ['demo@localhost']);
    assert.match(info.response, /^250 2\.0\.0 Ok: delivered/);

    const viaImap = (await imapSources('demo', 'demo')).find((s) => s.includes(marker));
    assert.ok(viaImap, 'delivered to INBOX');
    assert.match(viaImap, /^Return-Path: <someone@example\.org>\r\nReceived: from client\.example \(localhost \[127\.0\.0\.1\]\)\r\n\tby localhost \(mailsh sandbox\) with ESMTPS; /);
    assert.match(viaImap, /\r\n\.starts with a dot\r\n/);

    const noPython = pythonUnavailable();
    if (noPython) return t.skip(`skipped: POP3 half, ${noPython}`);
    const pop = await runPython<{ bodies: string[] }>(
      String.raw`
import json, poplib, ssl, sys
cfg = json.load(sys.stdin)
p = poplib.POP3_SSL("127.0.0.1", cfg["port"], context=ssl.create_default_context(cafile=cfg["ca"]))
p.user("demo"); p.pass_("demo")
n = p.stat()[0]
print(json.dumps({"bodies": [b"\r\n".join(p.retr(i)[1]).decode() for i in range(1, n + 1)]}))
p.quit()
`,
      { port: port(sandbox.services.pop3s), ca: sandbox.caFile },
    );
    const viaPop = pop.bodies.find((b) => b.includes(marker));
    assert.equal(viaPop, viaImap.replace(/\r\n$/, ''), 'POP3 returns the same bytes as IMAP (without the last CRLF)');
  });

  it('the MX port refuses relay with 554 5.7.1 and unknown local users with 550 5.1.1', async () => {
    const relay = await transport('smtp').sendMail({ from: 'a@example.org', to: 'x@example.com', text: 'hi' }).catch((err: { response?: string }) => err);
    assert.equal((relay as { response?: string }).response, '554 5.7.1 <x@example.com>: Relay access denied');
    const unknown = await transport('smtp').sendMail({ from: 'a@example.org', to: 'nobody@localhost', text: 'hi' }).catch((err: { response?: string }) => err);
    assert.match((unknown as { response?: string }).response ?? '', /^550 5\.1\.1 <nobody@localhost>/);
  });

  it('submission needs AUTH after STARTTLS; then it delivers locally and accepts (and drops) foreign mail', async () => {
    const anonymous = await transport('submission').sendMail({ from: 'erin@localhost', to: 'demo@localhost', text: 'hi' }).catch((err: { responseCode?: number }) => err);
    assert.equal((anonymous as { responseCode?: number }).responseCode, 530);
    const wrong = await transport('submission', { user: 'erin', pass: 'nope' }).sendMail({ from: 'erin@localhost', to: 'demo@localhost', text: 'hi' }).catch((err: { responseCode?: number }) => err);
    assert.equal((wrong as { responseCode?: number }).responseCode, 535);
    const info = await transport('submission', { user: 'erin', pass: 'erin-pw' }).sendMail({ from: 'erin@localhost', to: ['demo@localhost', 'far@example.com'], subject: 'from erin', text: 'hi' });
    assert.deepEqual(info.accepted.sort(), ['demo@localhost', 'far@example.com']);
    const smtps = await transport('smtps', { user: 'erin', pass: 'erin-pw' }).sendMail({ from: 'erin@localhost', to: 'demo@localhost', subject: 'over smtps', text: 'hi' });
    assert.deepEqual(smtps.accepted, ['demo@localhost']);
    const sources = await imapSources('demo', 'demo');
    assert.ok(sources.some((s) => s.includes('Subject: from erin') && / with ESMTPSA; /.test(s)));
    assert.ok(sources.some((s) => s.includes('Subject: over smtps')));
  });
});
