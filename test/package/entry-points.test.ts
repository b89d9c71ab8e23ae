/**
 * The main entry point stays on grpc-js's public API; what overrides its internals is reachable
 * only from `raytls/experimental` (issue 12, section 5). Walks the import graph of the sources,
 * dynamic imports included, since a lazily loaded module still runs in the caller's process.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";
import { importsOf } from "../helpers/import-graph.js";

/** grpc-js members that are not its public API, as raytls uses them. */
const GRPC_PRIVATE = /\b(_createSecureConnector|_isSecure|_equals|http2Servers)\b/;

/** Every src module reachable from `entry`, with the modules that use grpc-js private members. */
function reach(entry: string): { modules: Set<string>; privateUsers: string[] } {
  const modules = new Set<string>();
  const todo = [resolve(REPO, entry)];
  for (let file = todo.pop(); file; file = todo.pop()) {
    if (modules.has(file)) continue;
    modules.add(file);
    todo.push(...importsOf(file));
  }
  // The code as it runs (comments gone): a comment naming a member does not use it.
  const uses = (f: string) => {
    const text = readFileSync(f, "utf8");
    return GRPC_PRIVATE.test(text) && GRPC_PRIVATE.test(ts.transpileModule(text, { compilerOptions: { removeComments: true } }).outputText);
  };
  const privateUsers = [...modules].filter(uses).map((f) => f.slice(REPO.length + 1));
  return { modules, privateUsers: privateUsers.sort() };
}

describe("entry points", () => {
  it("the main entry point reaches no module that uses grpc-js private members", () => {
    const main = reach("src/index.ts");
    expect(main.modules.size).toBeGreaterThan(40); // the walk did follow the imports
    expect(main.privateUsers).toEqual([]);
  });

  it("raytls/experimental holds both uses: RayChannelCredentials and the servers' flow control", () => {
    expect(reach("src/experimental.ts").privateUsers).toEqual(["src/ray/bind-server.ts", "src/ray/ray-channel-credentials.ts"]);
  });

  it("package.json exports both entry points with their declarations", () => {
    const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8"));
    expect(pkg.exports["."]).toEqual({ types: "./dist/index.d.ts", default: "./dist/index.js" });
    expect(pkg.exports["./experimental"]).toEqual({ types: "./dist/experimental.d.ts", default: "./dist/experimental.js" });
    expect(pkg.types).toBe("./dist/index.d.ts");
  });
});
