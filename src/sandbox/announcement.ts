/**
 * What `mailsh sandbox` prints on start (SPEC §11): one `SERVICE URL` line
 * per service, one `user NAME PASSWORD` line per user and a `ca FILE` line;
 * or, with --json, the same as one JSON object.
 */
import { SERVICE_NAMES, type Sandbox } from './sandbox.js';

export function announcementText(sandbox: Sandbox): string {
  const lines = [
    ...SERVICE_NAMES.map((name) => `${name} ${sandbox.services[name]}`),
    ...sandbox.users.map((u) => `user ${u.name} ${u.password}`),
    `ca ${sandbox.caFile}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** `{"services":{"smtp":"smtp://…",…},"users":[{"name","password","address"}],"ca":"FILE"}`. */
export function announcementJson(sandbox: Sandbox): string {
  return `${JSON.stringify({ services: sandbox.services, users: sandbox.users, ca: sandbox.caFile })}\n`;
}
