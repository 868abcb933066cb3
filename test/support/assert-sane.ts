/** What every mailsh run must show, whatever the server did (issue 7). */
import assert from 'node:assert/strict';
import type { CliResult } from './run-cli.js';

/**
 * The expected exit status, no stack trace, no raw control character on the
 * terminal, and every stderr line one note (`!!`, `==`) or one `mailsh:` error.
 */
export function assertSane(r: CliResult, exit: number, label: string): void {
  assert.equal(r.code, exit, `${label}: exit status\n--- stdout\n${r.stdout.slice(-2000)}\n--- stderr\n${r.stderr}`);
  for (const [name, text] of [['stdout', r.stdout], ['stderr', r.stderr]]) {
    assert.doesNotMatch(text, /internal error|\n\s+at \S.*\(.*:\d+:\d+\)/, `${label}: no stack trace on ${name}`);
    assert.doesNotMatch(text, /[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f]/, `${label}: no raw control character reaches the terminal (${name})`);
  }
  for (const line of r.stderr.split('\n').filter(Boolean)) assert.match(line, /^(!!|==|mailsh:) /, `${label}: every stderr line is one note`);
}

