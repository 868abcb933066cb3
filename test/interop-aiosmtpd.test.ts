/** mailsh against a real aiosmtpd: a second SMTP implementation beside Postfix (issue 17). No warnings. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runQuiet } from './support/assert-sane.js';
import { aiosmtpdUnavailable, startAiosmtpd } from './support/aiosmtpd.js';
import { useServers } from './support/server-fixture.js';

const aiosmtpd = useServers(aiosmtpdUnavailable, startAiosmtpd);

describe('aiosmtpd', () => {
  it('seed session: EHLO, STARTTLS, EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT; the message arrives', async (t) => {
    const s = aiosmtpd(t);
    if (!s) return;
    const marker = `aiosmtpd-${process.pid}-${Date.now()}`;
    const r = await runQuiet([`smtp://localhost:${s.smtpPort}`, '--ca', s.caFile], [
      `EHLO client.test\nSTARTTLS\nEHLO client.test\nAUTH PLAIN {{plain ${s.user.name} ${s.user.password}}}\nMAIL FROM:<${s.user.address}>\nRCPT TO:<${s.user.address}>\nDATA\nSubject: ${marker}\n\n.dot\n.\nQUIT\n`,
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^S: 220 .*Python SMTP/m);
    assert.match(r.stdout, /^C: AUTH PLAIN <redacted \d+ bytes>\nS: 235 /m);
    assert.match(r.stderr, /certificate verified/);
    await s.waitForMessage((raw) => raw.includes(marker) && raw.includes('\n.dot'));
  });

  it('smtps: /auth LOGIN shows the decoded challenge "User Name\\0" escaped; a refused recipient is a 550', async (t) => {
    const s = aiosmtpd(t);
    if (!s) return;
    const r = await runQuiet([`smtps://localhost:${s.smtpsPort}`, '--ca', s.caFile, '-e', 'EHLO client.test', '-e', `/auth LOGIN ${s.user.name} ${s.user.password}`,
      '-e', `MAIL FROM:<${s.user.address}>`, '-e', 'RCPT TO:<nobody@elsewhere.example>', '-e', '/expect 5.1.1', '-e', 'QUIT']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^S: 334 VXNlciBOYW1lAA== +\[User Name\\x00\]$/m);
    assert.match(r.stderr, /authenticated as alice with LOGIN/);
  });

  it('/auth PLAIN and LOGIN, the mechanisms it offers over TLS', async (t) => {
    const s = aiosmtpd(t);
    if (!s) return;
    for (const mech of ['PLAIN', 'LOGIN']) {
      const r = await runQuiet([`smtp://localhost:${s.smtpPort}`, '--starttls', '--ca', s.caFile, '-e', `/auth ${mech} ${s.user.name} ${s.user.password}`, '-e', 'QUIT']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stderr, new RegExp(`authenticated as alice with ${mech}`));
      assert.match(r.stdout, /^S: 250-AUTH LOGIN PLAIN$/m);
    }
  });
});
