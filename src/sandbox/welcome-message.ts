import { rfc5322Date } from './message-text.js';

/**
 * The message each sandbox user finds in INBOX, so that the first FETCH,
 * RETR or TOP a learner types has something to show.
 */
export function welcomeMessage(user: string, domain: string): Buffer {
  const text = [
    `Return-Path: <postmaster@${domain}>`,
    `From: mailsh sandbox <postmaster@${domain}>`,
    `To: ${user}@${domain}`,
    'Subject: Welcome to the mailsh sandbox',
    `Date: ${rfc5322Date(new Date())}`,
    `Message-ID: <welcome.${user}@${domain}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'This mailbox lives in memory and is gone when the sandbox stops.',
    `Mail sent over SMTP to ${user}@${domain} arrives here, in IMAP and POP3 alike.`,
    '',
  ];
  return Buffer.from(text.join('\r\n'));
}
