/**
 * The import graph of a source tree, read from the files (TypeScript's own pre-processor, so
 * `import type`, `export ... from` and dynamic `import()` all count and comments do not): a type-only
 * import is still an edge, because a registry and its entries that import each other are one
 * concept split badly even when the compiler erases the types (issue 12 section 3).
 */
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import ts from "typescript";

/** Each module (path relative to `root`, with `/`) and the relative modules it imports. */
export type ImportGraph = Map<string, string[]>;

/** The relative imports of one file, as resolved .ts paths. */
export function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((name) => name.startsWith("."))
    .map((name) => join(dirname(file), name).replace(/\.js$/, ".ts"));
}

export function importGraph(root: string): ImportGraph {
  const graph: ImportGraph = new Map();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
        graph.set(rel(root, file), [...new Set(importsOf(file).map((f) => rel(root, f)))]);
      }
    }
  };
  walk(root);
  return graph;
}

const rel = (root: string, file: string): string => relative(root, file).split("\\").join("/");

/**
 * One cycle per strongly connected component with more than one module (or a module importing
 * itself), each as the path `a -> b -> ... -> a`, found with Tarjan's algorithm.
 */
export function findCycles(graph: ImportGraph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) components.push(component);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return components.map((c) => cyclePath(graph, new Set(c)));
}

/** A shortest path from the component's first module (sorted) back to itself, inside the component. */
function cyclePath(graph: ImportGraph, component: Set<string>): string[] {
  const start = [...component].sort()[0]!;
  const from = new Map<string, string>();
  const queue = [start];
  for (let v = queue.shift(); v !== undefined; v = queue.shift()) {
    for (const w of graph.get(v) ?? []) {
      if (!component.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u: string | undefined = v; u !== undefined && u !== start; u = from.get(u)) path.splice(1, 0, u);
        return [...path, start];
      }
      if (!from.has(w)) {
        from.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}
