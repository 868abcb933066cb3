import { createHash } from 'node:crypto';

/** The timestamp in a POP3 greeting, `<1896.697170952@dbc.mtview.ca.us>` (RFC 1939 §7). */
export function apopTimestamp(greeting: string): string | undefined {
  return /<[^<>@\s]*@[^<>\s]*>/.exec(greeting)?.[0];
}

/** The APOP arguments (RFC 1939 §7): `USER hex(MD5(timestamp + password))`. */
export function apopArguments(user: string, password: string, timestamp: string): string {
  return `${user} ${createHash('md5').update(timestamp + password, 'utf8').digest('hex')}`;
}
