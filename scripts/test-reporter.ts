/**
 * The suite's reporter: node:test's own TAP output, with the ten slowest test
 * files listed just before the summary lines (`# tests`, `# pass`, `# fail`),
 * which stay last so CI and people read them where they expect them.
 */
import { basename } from 'node:path';
import { tap } from 'node:test/reporters';

interface TestEvent {
  type: string;
  data: { nesting?: number; file?: string; message?: string; details?: { duration_ms?: number } };
}

const SHOWN = Number(process.env.SLOWEST ?? 10);

export default async function* reporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const perFile = new Map<string, number>();
  const summary: TestEvent[] = [];
  async function* forward(): AsyncGenerator<TestEvent> {
    for await (const event of source) {
      const { nesting, file, details } = event.data;
      if ((event.type === 'test:pass' || event.type === 'test:fail') && nesting === 0 && file) {
        perFile.set(file, (perFile.get(file) ?? 0) + (details?.duration_ms ?? 0));
      }
      // The run's closing counts come as top-level diagnostics without a file: held back to stay last.
      if (event.type === 'test:diagnostic' && nesting === 0 && !file) summary.push(event);
      else yield event;
    }
    const slowest = [...perFile].sort((a, b) => b[1] - a[1]).slice(0, SHOWN);
    yield diagnostic(`slowest ${slowest.length} test files:`);
    for (const [file, ms] of slowest) yield diagnostic(`  ${(ms / 1000).toFixed(1).padStart(6)} s  ${basename(file)}`);
    yield* summary;
  }
  yield* tap(forward() as unknown as Parameters<typeof tap>[0]);
}

function diagnostic(message: string): TestEvent {
  return { type: 'test:diagnostic', data: { nesting: 0, message } };
}
