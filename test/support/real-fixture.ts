/** One set of real Postfix/Dovecot servers per test file, or a skip with the reason. */
import type { TestContext } from 'node:test';
import { realServersUnavailable, startRealServers, type RealServers } from './real-servers.js';
import { useServers } from './server-fixture.js';

export const useRealServers = (): ((t: TestContext) => RealServers | undefined) => useServers(realServersUnavailable, startRealServers);
