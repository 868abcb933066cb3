/** One real Cyrus per test file, or a skip with the reason: no root, no apt-get, no download. */
import type { TestContext } from 'node:test';
import { cyrusBroken, cyrusUnavailable, fetchCyrus, startCyrus, type CyrusServers } from './cyrus.js';
import { useServers } from './server-fixture.js';

async function whyNot(): Promise<string | undefined> {
  const unavailable = cyrusUnavailable();
  if (unavailable) return unavailable;
  try {
    await fetchCyrus();
  } catch (err) {
    return (err as Error).message;
  }
  return cyrusBroken();
}

export const useCyrus = (): ((t: TestContext) => CyrusServers | undefined) => useServers(whyNot, startCyrus);
