// The architecture docs/CONTRIBUTING.md draws, checked on the sources with the TypeScript compiler:
// who may import whom, no test support in src/, and no function longer than a reader can hold.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = join(ROOT, 'src');
const MAX_FUNCTION_LINES = 80;

/**
 * Top-level modules of src/ and the ones each may import (besides itself). A module not listed is
 * a capability of its own (src/split-brain, src/ha, …): it may import CAPABILITY_MAY_IMPORT and
 * other capabilities; the services may import it, as SERVICES says.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  log: [],
  util: [],
  csi: ['log', 'util'],
  'node-ops': ['csi', 'log', 'util'],
  linstor: ['csi', 'log', 'util'],
  config: ['csi', 'linstor', 'log', 'util'],
  identity: ['csi', 'log', 'util'],
  'controller-service': ['config', 'csi', 'linstor', 'log', 'util'],
  'node-service': ['config', 'csi', 'linstor', 'log', 'node-ops', 'util'],
  emulator: ['linstor', 'log', 'util'],
  server: ['config', 'csi', 'log', 'util'],
};
/** What a capability module may build on: the contract and the adapters, never a service or the server. */
const CAPABILITY_MAY_IMPORT: readonly string[] = ['config', 'csi', 'linstor', 'log', 'node-ops', 'util'];
/** Services that may use capability modules (besides their own list). */
const SERVICES = new Set(['controller-service', 'node-service']);
/** Only the composition root and the commands wire the server in. */
const OUTER = new Set(['driver.ts', 'cli']);
/** Modules the driver loads only for the mode that serves them (dynamic import, never static). */
const LOADED_BY_MODE = new Set(['controller-service', 'node-service', 'node-ops']);

interface SourceFile {
  path: string;
  rel: string;
  module: string;
  ast: ts.SourceFile;
}

function sourceFiles(dir: string): SourceFile[] {
  const out: SourceFile[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'generated') out.push(...sourceFiles(path));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      const rel = relative(SRC, path);
      const ast = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
      out.push({ path, rel, module: rel.split('/')[0] ?? rel, ast });
    }
  }
  return out;
}

const files = sourceFiles(SRC);

interface ImportEdge {
  from: SourceFile;
  /** Path relative to the repository root, or the package name. */
  target: string;
  /** Top-level module of src/ it lands in, if it lands in src/. */
  module: string | undefined;
  typeOnly: boolean;
  dynamic: boolean;
}

function importsOf(file: SourceFile): ImportEdge[] {
  const edges: ImportEdge[] = [];
  const add = (spec: string, typeOnly: boolean, dynamic: boolean): void => {
    if (!spec.startsWith('.')) {
      edges.push({ from: file, target: spec, module: undefined, typeOnly, dynamic });
      return;
    }
    const abs = resolve(dirname(file.path), spec);
    const target = relative(ROOT, abs);
    const inSrc = relative(SRC, abs);
    const module = inSrc.startsWith('..') ? undefined : (inSrc.split('/')[0] ?? '').replace(/\.js$/, '.ts');
    edges.push({ from: file, target, module, typeOnly, dynamic });
  };
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const typeOnly = ts.isImportDeclaration(node) ? (node.importClause?.isTypeOnly ?? false) : node.isTypeOnly;
      add(node.moduleSpecifier.text, typeOnly, false);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteral(arg)) add(arg.text, false, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(file.ast);
  return edges;
}

const edges = files.flatMap(importsOf);
const show = (e: ImportEdge): string => `src/${e.from.rel} imports ${e.target}`;

test('nothing in src/ imports test support or benchmarks', () => {
  const bad = edges.filter((e) => /^(test|bench)\//.test(e.target)).map(show);
  assert.equal(bad, []);
});

test('domain modules never import src/server; only driver.ts and src/cli wire it in', () => {
  const bad = edges.filter((e) => e.module === 'server' && e.from.module !== 'server' && !OUTER.has(e.from.module)).map(show);
  assert.equal(bad, []);
});

test('each module imports only the layers beneath it', () => {
  const bad: string[] = [];
  for (const e of edges) {
    const from = e.from.module;
    if (e.module === undefined || e.module === from || OUTER.has(from)) continue;
    const isCapability = (m: string): boolean => MAY_IMPORT[m] === undefined && !OUTER.has(m);
    const allowed = MAY_IMPORT[from] ?? CAPABILITY_MAY_IMPORT;
    const ok = allowed.includes(e.module) || (isCapability(e.module) && (isCapability(from) || SERVICES.has(from)));
    if (!ok) bad.push(show(e));
  }
  assert.equal(bad, []);
});

test('driver.ts loads the controller, node service and node tools only for the mode that runs them', () => {
  const bad = edges
    .filter((e) => e.from.rel === 'driver.ts' && e.module !== undefined && LOADED_BY_MODE.has(e.module) && !e.dynamic && !e.typeOnly)
    .map(show);
  assert.equal(bad, []);
});

/** Every function-like node with its line count (from its first token, leading comments excluded). */
function functionsOf(file: SourceFile): { name: string; lines: number; line: number }[] {
  const out: { name: string; lines: number; line: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = file.ast.getLineAndCharacterOfPosition(node.getStart(file.ast)).line;
      const end = file.ast.getLineAndCharacterOfPosition(node.getEnd()).line;
      const named = (node as { name?: ts.Node }).name;
      const parent = node.parent;
      const name = named ? named.getText(file.ast) : parent && ts.isVariableDeclaration(parent) ? parent.name.getText(file.ast) : '(anonymous)';
      out.push({ name, lines: end - start + 1, line: start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(file.ast);
  return out;
}

test(`no function in src/ (generated code aside) is longer than ${MAX_FUNCTION_LINES} lines`, () => {
  const long = files.flatMap((f) =>
    functionsOf(f)
      .filter((fn) => fn.lines > MAX_FUNCTION_LINES)
      .map((fn) => `src/${f.rel}:${fn.line} ${fn.name} (${fn.lines} lines)`),
  );
  assert.equal(long, []);
});

test('the checker sees what it checks: files, edges and functions were found', () => {
  assert.ok(files.length > 50, `${files.length} source files`);
  assert.ok(edges.some((e) => e.module === 'server' && e.from.rel === 'driver.ts'), 'driver.ts imports the server');
  assert.ok(edges.some((e) => e.dynamic && e.module === 'node-service'), 'a dynamic import is seen');
  assert.ok(files.some((f) => functionsOf(f).some((fn) => fn.lines > 20)), 'function lengths are measured');
});

test.run();
