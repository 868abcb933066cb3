import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The layers of DESIGN.md, top to bottom: a file may import its own
 * directory and any directory of a lower layer, never a higher one nor a
 * sibling of its own layer.
 *
 *   cli         the only place that touches process.*; the tunnel command
 *               lives here because it reads the CLI's options and target
 *   repl        terminal front end and meta commands
 *   session, tunnel, proxy, sandbox, discovery
 *               siblings: what drives a connection (session), pipes one for
 *               a mail client (tunnel, proxy: DESIGN.md), plays the server
 *               (sandbox) or looks hosts up (discovery); none needs another
 *   protocol    pure adapters
 *   sasl        pure mechanisms
 *   framing     line reader, literals, dot-stuffing
 *   transport   sockets and TLS
 *   transcript  writers and the reader for show/replay
 *   text        escaping, shell words, text escapes, control bytes and the
 *               secret-marked byte pieces that protocol builds and the
 *               transcript consumes
 *   (base)      src/errors.ts and src/version.ts: the error families and the
 *               version, imported from everywhere, importing nothing
 *
 * No exceptions. Type-only imports count too: a cycle of types is still a
 * knot a reader has to untie.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['cli'],
  ['repl'],
  ['session', 'tunnel', 'proxy', 'sandbox', 'discovery'],
  ['protocol'],
  ['sasl'],
  ['framing'],
  ['transport'],
  ['transcript'],
  ['files'],
  ['text'],
  ['.'],
];

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const src = join(root, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [relative(src, path).split('\\').join('/')] : [];
  });
}

/** Relative module specifiers of a file: static imports, re-exports, side-effect and dynamic imports. */
function importSpecifiers(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const found = [
    ...code.matchAll(/\b(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g),
    ...code.matchAll(/\bimport\s*['"]([^'"]+)['"]/g),
    ...code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ];
  return found.map((m) => m[1]!).filter((spec) => spec.startsWith('.'));
}

/** 'cli' for src/cli/main.ts, '.' for src/errors.ts. */
function directoryOf(file: string): string {
  return file.includes('/') ? file.slice(0, file.indexOf('/')) : '.';
}

function layerOf(dir: string): number {
  return LAYERS.findIndex((layer) => layer.includes(dir));
}

function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(src)) {
    const targets = importSpecifiers(readFileSync(join(src, file), 'utf8')).map((spec) =>
      posix.normalize(posix.join(posix.dirname(file), spec)).replace(/\.js$/, '.ts'),
    );
    graph.set(file, targets);
  }
  return graph;
}

test('layers: every directory of src/ has a place in the layer table', () => {
  const dirs = new Set([...importGraph().keys()].map(directoryOf));
  for (const dir of dirs) assert.notEqual(layerOf(dir), -1, `src/${dir}/ is in no layer of test/layers.test.ts`);
});

test('layers: the import reader sees every form of import', () => {
  const text = [
    "import { a } from './a.js';",
    "import type {\n  B,\n  C,\n} from '../b/c.js';",
    "export { d } from './d.js';",
    "import './side.js';",
    "const m = await import('../cli/tunnel-command.js');",
    "import { readFileSync } from 'node:fs';",
    "// import { no } from './commented.js';",
  ].join('\n');
  assert.deepEqual(importSpecifiers(text).sort(), ['../b/c.js', '../cli/tunnel-command.js', './a.js', './d.js', './side.js']);
});

test('layers: no import points up a layer or across to a sibling', () => {
  const graph = importGraph();
  const wrong: string[] = [];
  let crossing = 0;
  for (const [file, targets] of graph) {
    for (const target of targets) {
      assert.ok(graph.has(target), `src/${file} imports src/${target}, which does not exist`);
      const from = directoryOf(file);
      const to = directoryOf(target);
      if (from === to) continue;
      crossing += 1;
      if (layerOf(to) <= layerOf(from)) wrong.push(`src/${file} → src/${target}`);
    }
  }
  assert.ok(graph.size > 100 && crossing > 100, `read ${graph.size} files and ${crossing} imports between directories`);
  assert.deepEqual(wrong, [], 'imports that point up a layer or across to a sibling');
});

test('layers: no circular import', () => {
  const graph = importGraph();
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    path.push(file);
    for (const target of graph.get(file) ?? []) {
      if (state.get(target) === 'open') cycles.push([...path.slice(path.indexOf(target)), target].join(' → '));
      else if (!state.has(target)) visit(target);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  assert.deepEqual(cycles, [], 'circular imports');
});
