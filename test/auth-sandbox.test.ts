/**
 * mailsh's SASL client against the sandbox's own SASL server: two
 * implementations written apart, each checked against the RFC vectors, must
 * agree on every mechanism the sandbox offers (SCRAM's server signature too).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { runInProcess } from './support/run-in-process.js';

let sandbox: Sandbox;
before(async () => {
  sandbox = await startSandbox({ portBase: 0, users: [{ name: 'erin', password: 'erin pass ✓' }] });
});
after(() => sandbox.stop());

const PROBES = { imaps: 'select INBOX', pop3s: 'STAT' } as const;

for (const service of ['imaps', 'pop3s'] as const) {
  describe(`/auth against the sandbox ${service}`, () => {
    for (const mech of ['PLAIN', 'LOGIN', 'CRAM-MD5', 'SCRAM-SHA-256']) {
      it(mech, async () => {
        const r = await runInProcess([sandbox.services[service], '--ca', sandbox.caFile, '-u', 'erin', '--auth', mech, '-e', PROBES[service]], [], { MAILSH_PASSWORD: 'erin pass ✓' });
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.match(r.stderr, new RegExp(`authenticated as erin with ${mech}`));
      });
    }
  });
}
