import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCli } from '../src/cli/args.js';
import { UsageError } from '../src/errors.js';

test('args: short and long string options mix and keep their order', () => {
  const o = parseCli(['-p', 'smtp', 'host', '-e', 'EHLO me', '--execute', 'NOOP', '-e', 'QUIT', '-u', 'alice', '--user=bob'], {});
  assert.deepEqual(o.execute, ['EHLO me', 'NOOP', 'QUIT']);
  assert.equal(o.protocol, 'smtp');
  assert.deepEqual(o.users, ['alice', 'bob']);
  assert.deepEqual(o.positionals, ['host']);
});

test('args: a thousand -e lines in order; a value that names a flag is a value; -- ends the options', () => {
  const lines = Array.from({ length: 1000 }, (_, i) => `RCPT TO:<r${i}@x>`);
  assert.deepEqual(parseCli(['host', ...lines.flatMap((l) => ['-e', l])], {}).execute, lines);
  const o = parseCli(['-u', 'e', '-e', 'u', '--log', 'f.log', 'host', '--', '-e', 'x'], {});
  assert.deepEqual(o.users, ['e']);
  assert.deepEqual(o.execute, ['u']);
  assert.equal(o.log, 'f.log');
  assert.deepEqual(o.positionals, ['host', '-e', 'x']);
  const group = parseCli(['host', '-e', 'A', '-ke', 'B', '--execute=C', '-eD'], {});
  assert.deepEqual(group.execute, ['A', 'B', 'C', 'D']);
  assert.equal(group.insecure, true);
});

test('args: a missing or dash-led value is a usage error that names the flag as typed', () => {
  const usage = (argv: string[], re: RegExp): void => assert.throws(() => parseCli(argv, {}), (e: Error) => e instanceof UsageError && re.test(e.message), argv.join(' '));
  usage(['host', '-e'], /'-e, --execute <value>' argument missing/);
  usage(['host', '-e', '-x'], /'-e' argument is ambiguous/);
  usage(['host', '--execute', '-x'], /'--execute' argument is ambiguous/);
  // `-efile` is --log's (ambiguous) value here, not a line to send.
  usage(['--log', '-efile', 'host'], /'--log' argument is ambiguous/);
});
