/**
 * Shows a server's base64 SASL challenge (SMTP `334`, IMAP/POP3 `+`) decoded,
 * so a learner sees `Username:` instead of `VXNlcm5hbWU6`. Binary challenges
 * are left alone.
 */
export function decodeChallenge(text: string): string | undefined {
  const b64 = text.trim();
  if (b64 === '' || !/^[A-Za-z0-9+/]+=*$/.test(b64) || b64.length % 4 !== 0) return undefined;
  const decoded = Buffer.from(b64, 'base64').toString('utf8');
  // Only worth showing when it is readable text.
  return /^[\x20-\x7e\t\r\n]*$/.test(decoded) ? decoded : undefined;
}
