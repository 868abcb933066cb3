/**
 * The suggested first commands `mailsh try` shows before the shell opens:
 * the classic SMTP walk, or an IMAP / POP3 login and a look at INBOX.
 */
import type { SandboxUser } from './sandbox.js';

export type TryProtocol = 'imap' | 'smtp' | 'pop3';
export type TryTls = 'none' | 'starttls' | 'implicit';

/** The service `mailsh try PROTOCOL` connects to: SMTP goes to the MX port, or with TLS to SMTPS. */
export function tryService(protocol: TryProtocol, tlsMode: TryTls): 'smtp' | 'smtps' | 'imap' | 'imaps' | 'pop3' | 'pop3s' {
  return tlsMode === 'implicit' ? `${protocol}s` : protocol;
}

function smtpWalk(user: SandboxUser & { address: string }, tlsMode: TryTls): string[] {
  return [
    'EHLO client.example',
    // SMTPS needs AUTH before MAIL, like a real port 465; the MX port delivers locally without it.
    ...(tlsMode === 'implicit' ? [`AUTH PLAIN {{plain ${user.name} ${user.password}}}`] : []),
    'MAIL FROM:<me@example.org>',
    `RCPT TO:<${user.address}>`,
    'DATA',
    'Subject: hello',
    '',
    'Hi there!',
    '.',
    'QUIT',
  ];
}

/** The banner lines (without colour). */
export function tryBanner(protocol: TryProtocol, tlsMode: TryTls, user: SandboxUser & { address: string }): string {
  const steps =
    protocol === 'smtp'
      ? smtpWalk(user, tlsMode)
      : protocol === 'imap'
        ? [`login ${user.name} ${user.password}`, 'list "" "*"', 'select INBOX', 'fetch 1 (flags envelope body[text])', 'logout']
        : [`USER ${user.name}`, `PASS ${user.password}`, 'STAT', 'LIST', 'RETR 1', 'QUIT'];
  const note =
    protocol === 'smtp' && tlsMode === 'implicit'
      ? [`({{plain ${user.name} ${user.password}}} sends base64 of \\0${user.name}\\0${user.password}; /auth PLAIN ${user.name} runs the whole exchange)`]
      : [];
  return [
    `mailsh sandbox: practice ${protocol.toUpperCase()} server on 127.0.0.1 (in memory; gone when you quit)`,
    `user ${user.name}, password ${user.password}, address ${user.address}`,
    'try typing:',
    ...steps.map((s) => `    ${s}`),
    ...note,
    '',
  ].join('\n');
}
