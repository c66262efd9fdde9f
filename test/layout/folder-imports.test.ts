/**
 * The layout of `src/`: no folder imports from a folder that imports it, directly or through others. Each folder of
 * `src/` is one node, each top-level file (`src/errors.ts`, `src/memo.ts`, ...) one of its own; every relative import
 * specifier of every `.ts` file under `src/` (imports, re-exports, dynamic `import()`, type-only ones too) is an edge.
 *
 * The composition root (`src/gateway.ts`, `src/server.ts`, `src/index.ts`) builds the gateway from the folders and may
 * import anything; no folder imports it. One exception, to the cycle rule only:
 * - `src/context.ts` wires the request's context from the folders (memory, store, loaders, upstream, ...), and
 *   resolvers, plugins, observability and writes are written against its `GatewayContext` type. Folders may import it
 *   with `import type` (erased at build, so no module of a folder loads it); such an edge is not part of the graph.
 *   Any value import of it from a folder is an edge like any other.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');
const COMPOSITION_ROOT = new Set(['gateway.ts', 'server.ts', 'index.ts']);
const TYPE_ONLY_ALLOWED = new Set(['context.ts']);

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly file: string;
  readonly specifier: string;
  readonly typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The node of a file of `src/`: its top folder (`memory/`), or itself when it lies at the top (`errors.ts`). */
function nodeOf(file: string): string {
  const [first, ...rest] = path.relative(SRC, file).split(path.sep);
  return rest.length > 0 ? `${first}/` : first!;
}

/** Every relative module specifier of a file, and whether it imports types only. */
function specifiers(file: string): { specifier: string; typeOnly: boolean }[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: { specifier: string; typeOnly: boolean }[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            named !== undefined &&
            ts.isNamedImports(named) &&
            named.elements.length > 0 &&
            named.elements.every((element) => element.isTypeOnly)));
      found.push({ specifier: node.moduleSpecifier.text, typeOnly });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      found.push({ specifier: node.arguments[0].text, typeOnly: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found.filter(({ specifier }) => specifier.startsWith('.'));
}

/** The imports between nodes of `src/` (imports within a node are left out). */
function edges(): Edge[] {
  const all: Edge[] = [];
  for (const file of sourceFiles(SRC)) {
    for (const { specifier, typeOnly } of specifiers(file)) {
      const target = path.resolve(path.dirname(file), specifier).replace(/\.js$/, '.ts');
      if (path.relative(SRC, target).startsWith('..')) continue;
      const from = nodeOf(file);
      const to = nodeOf(target);
      if (from !== to) all.push({ from, to, file: path.relative(SRC, file), specifier, typeOnly });
    }
  }
  return all;
}

/** The cycles of a graph: each strongly connected set of two nodes or more, sorted (Tarjan's algorithm). */
function cyclesOf(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const connect = (node: string) => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const other of graph.get(node) ?? []) {
      if (!index.has(other)) {
        connect(other);
        low.set(node, Math.min(low.get(node)!, low.get(other)!));
      } else if (onStack.has(other)) low.set(node, Math.min(low.get(node)!, index.get(other)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const set: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      set.push(member);
    } while (member !== node);
    if (set.length > 1) cycles.push(set.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) connect(node);
  return cycles;
}

function graphOf(list: readonly Pick<Edge, 'from' | 'to'>[]): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const { from, to } of list) {
    if (!graph.has(from)) graph.set(from, new Set());
    if (!graph.has(to)) graph.set(to, new Set());
    graph.get(from)!.add(to);
  }
  return graph;
}

describe('the folders of src/', () => {
  const all = edges();

  it('are read from every source file', () => {
    // The scan sees the imports it judges: the memory takes the store, and the store the memory's data model.
    expect(all.some((edge) => edge.from === 'memory/' && edge.to === 'store/')).toBe(true);
    expect(all.some((edge) => edge.from === 'store/' && edge.to === 'memory-model.ts')).toBe(true);
    expect(all.some((edge) => edge.to === 'context.ts' && edge.typeOnly)).toBe(true);
  });

  it('import no folder that imports them, directly or through others', () => {
    const counted = all.filter((edge) => !(edge.typeOnly && TYPE_ONLY_ALLOWED.has(edge.to)));
    const cycles = cyclesOf(graphOf(counted)).map((set) => ({
      nodes: set,
      imports: counted
        .filter((edge) => set.includes(edge.from) && set.includes(edge.to))
        .map((edge) => `${edge.file} -> ${edge.specifier}`),
    }));
    expect(cycles).toEqual([]);
  });

  it('do not import the composition root, and take the context as a type only', () => {
    const intoRoot = all.filter((edge) => edge.from.endsWith('/') && COMPOSITION_ROOT.has(edge.to));
    expect(intoRoot.map((edge) => `${edge.file} -> ${edge.specifier}`)).toEqual([]);
    const contextValues = all.filter(
      (edge) => edge.from.endsWith('/') && TYPE_ONLY_ALLOWED.has(edge.to) && !edge.typeOnly,
    );
    expect(contextValues.map((edge) => `${edge.file} -> ${edge.specifier}`)).toEqual([]);
  });

  it('find a cycle however long it is', () => {
    const edge = (from: string, to: string) => ({ from, to });
    expect(cyclesOf(graphOf([edge('a/', 'b/'), edge('b/', 'a/')]))).toEqual([['a/', 'b/']]);
    expect(cyclesOf(graphOf([edge('a/', 'b/'), edge('b/', 'c.ts'), edge('c.ts', 'a/'), edge('c.ts', 'd/')]))).toEqual([
      ['a/', 'b/', 'c.ts'],
    ]);
    expect(cyclesOf(graphOf([edge('a/', 'b/'), edge('b/', 'c/'), edge('a/', 'c/')]))).toEqual([]);
  });
});
