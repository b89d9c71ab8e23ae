/**
 * The layers ../shared/DESIGN.md draws, checked on the sources (issue 12 section 3): no import
 * cycles in src/, type-only imports included, and each layer imports only the layers below it.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findCycles, importGraph, type ImportGraph } from "../helpers/import-graph.js";
import { REPO } from "../helpers/cli.js";

/**
 * What each layer may import (DESIGN.md "Layers", arrows point at what a layer may import).
 * `errors.ts` (RaytlsError) is open to all. Two additions the diagram leaves out: `io` (atomic file
 * writes, CA directories, the package root: process utilities over pki) and the lab's use of KubeRay's
 * naming (the lab's pods answer to the names a KubeRay cluster has), which is the one k8s file it
 * may import. `entry` is src/index.ts and src/experimental.ts: the library, so no cli and no bench.
 */
const MAY_IMPORT: Record<string, string[]> = {
  pki: [],
  io: ["pki"],
  ray: ["pki", "io"],
  k8s: ["pki"],
  signer: ["pki"],
  lab: ["signer", "ray", "pki", "io", "k8s/kuberay-names.ts"],
  bench: ["lab", "signer", "k8s", "ray", "pki", "io"],
  cli: ["lab", "bench", "signer", "k8s", "ray", "pki", "io"],
  entry: ["lab", "signer", "k8s", "ray", "pki", "io"],
  errors: [],
};

function layerOf(module: string): string {
  if (module === "index.ts" || module === "experimental.ts") return "entry";
  if (module === "errors.ts") return "errors";
  return module.split("/")[0]!;
}

/** Every import that crosses into a layer the importing layer may not use, as `a -> b`. */
function layerViolations(graph: ImportGraph): string[] {
  const out: string[] = [];
  for (const [from, targets] of graph) {
    const layer = layerOf(from);
    const allowed = MAY_IMPORT[layer];
    if (!allowed) {
      out.push(`${from}: layer "${layer}" is not in MAY_IMPORT (add it, with what DESIGN.md lets it import)`);
      continue;
    }
    for (const to of targets) {
      const target = layerOf(to);
      if (target === layer || target === "errors" || allowed.includes(target) || allowed.includes(to)) continue;
      out.push(`${from} -> ${to}`);
    }
  }
  return out.sort();
}

const SRC = join(REPO, "src");

describe("layers (DESIGN.md)", () => {
  const graph = importGraph(SRC);

  it("reads the whole tree and its imports", () => {
    expect(graph.size).toBeGreaterThan(100);
    // type-only and dynamic imports are edges too
    expect(graph.get("k8s/signer-manifest.ts")).toContain("k8s/manifest-types.ts");
    expect(graph.get("bench/registry.ts")).toContain("bench/pki.ts");
  });

  it("src/ has no import cycles, type-only imports included", () => {
    expect(findCycles(graph).map((c) => c.join(" -> "))).toEqual([]);
  });

  it("each layer imports only what DESIGN.md lets it import; library code never imports cli", () => {
    expect(layerViolations(graph)).toEqual([]);
  });

  it("pki is pure: it imports no other raytls layer", () => {
    const pkiImports = [...graph].filter(([m]) => layerOf(m) === "pki").flatMap(([, t]) => t.filter((m) => !["pki", "errors"].includes(layerOf(m))));
    expect(pkiImports).toEqual([]);
  });
});

describe("the checks themselves", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  /** A throw-away source tree: path -> text. */
  function tree(files: Record<string, string>): string {
    const root = mkdtempSync(join(tmpdir(), "raytls-layers-"));
    dirs.push(root);
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(join(root, file, ".."), { recursive: true });
      writeFileSync(join(root, file), text);
    }
    return root;
  }

  it("a type-only cycle between a registry and its entry is found", () => {
    const root = tree({
      "bench/registry.ts": `export const scenarios = { a: async () => (await import("./a.js")).default };\nexport interface Options { runs: number }\n`,
      "bench/a.ts": `import type { Options } from "./registry.js";\nexport default (o: Options) => o.runs;\n`,
      "bench/b.ts": `// import type { Options } from "./registry.js";  (a comment is not an import)\nexport const b = 1;\n`,
    });
    expect(findCycles(importGraph(root))).toEqual([["bench/a.ts", "bench/registry.ts", "bench/a.ts"]]);
  });

  it("a longer cycle is reported as one path, and a tree without one passes", () => {
    const cyclic = tree({
      "k8s/x.ts": `export type { Y } from "./y.js";\n`,
      "k8s/y.ts": `import { z } from "./z.js";\nexport type Y = typeof z;\n`,
      "k8s/z.ts": `import type { X } from "./w.js";\nimport "./x.js";\nexport const z = 1;\n`,
      "k8s/w.ts": `export type X = number;\n`,
    });
    expect(findCycles(importGraph(cyclic))).toEqual([["k8s/x.ts", "k8s/y.ts", "k8s/z.ts", "k8s/x.ts"]]);
    const acyclic = tree({ "k8s/x.ts": `import type { W } from "./w.js";\nexport type X = W;\n`, "k8s/w.ts": `export type W = number;\n` });
    expect(findCycles(importGraph(acyclic))).toEqual([]);
  });

  it("a pki module importing ray, and a library module importing cli, are violations", () => {
    const root = tree({
      "pki/a.ts": `import type { T } from "../ray/t.js";\nexport type A = T;\n`,
      "ray/t.ts": `export type T = number;\n`,
      "signer/s.ts": `import { x } from "../cli/x.js";\nexport const s = x;\n`,
      "cli/x.ts": `import { s } from "../signer/s.js";\nexport const x = 1;\nvoid s;\n`,
    });
    expect(layerViolations(importGraph(root))).toEqual(["pki/a.ts -> ray/t.ts", "signer/s.ts -> cli/x.ts"]);
  });
});
