/**
 * One real Cyrus per test file, or a skip with the reason when this machine
 * cannot run it (never a silent pass): no root, no apt-get, no download.
 */
import { after, before, type TestContext } from 'node:test';
import { cyrusBroken, cyrusUnavailable, fetchCyrus, startCyrus, type CyrusServers } from './cyrus.js';

export function useCyrus(): (t: TestContext) => CyrusServers | undefined {
  let unavailable = cyrusUnavailable();
  let servers: CyrusServers | undefined;
  before(async () => {
    if (unavailable) return;
    try {
      await fetchCyrus();
    } catch (err) {
      unavailable = (err as Error).message;
      return;
    }
    unavailable = cyrusBroken();
    // A start-up failure is a failure, not a skip.
    if (!unavailable) servers = await startCyrus();
  });
  after(async () => {
    await servers?.stop();
  });
  return (t) => {
    if (unavailable) t.skip(`skipped: ${unavailable}`);
    return servers;
  };
}
