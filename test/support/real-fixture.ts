/**
 * One set of real Postfix/Dovecot servers per test file, or a skip with the
 * reason when this machine cannot run them (never a silent pass).
 */
import { after, before, type TestContext } from 'node:test';
import { realServersUnavailable, startRealServers, type RealServers } from './real-servers.js';

export function useRealServers(): (t: TestContext) => RealServers | undefined {
  const unavailable = realServersUnavailable();
  let servers: RealServers | undefined;
  before(async () => {
    if (!unavailable) servers = await startRealServers();
  });
  after(async () => {
    await servers?.stop();
  });
  return (t) => {
    if (unavailable) t.skip(`skipped: ${unavailable}`);
    return servers;
  };
}
