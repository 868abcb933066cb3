/**
 * One set of real servers per test file, or a skip with the reason when this
 * machine cannot run them (never a silent pass). A start-up failure where
 * the servers should run is a failure, not a skip.
 */
import { after, before, type TestContext } from 'node:test';

export function useServers<T extends { stop(): Promise<void> }>(
  /** Why they cannot run here (no root, a package missing, a download that failed), or undefined. */
  unavailable: () => string | undefined | Promise<string | undefined>,
  start: () => Promise<T>,
): (t: TestContext) => T | undefined {
  let why: string | undefined;
  let servers: T | undefined;
  before(async () => {
    why = await unavailable();
    if (!why) servers = await start();
  });
  after(async () => {
    await servers?.stop();
  });
  return (t) => {
    if (why) t.skip(`skipped: ${why}`);
    return servers;
  };
}
