/**
 * How to run raytls from a command raytls prints (issue 11: printed commands must run as
 * printed). After `npm ci` in a clone, `raytls` is not on PATH (only `npx raytls` or `npm link`
 * put it there), so a printed `raytls ...` would fail with "No such file or directory": print the
 * bin's absolute path instead (bin/raytls.mjs is executable, `#!/usr/bin/env node`).
 */
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { packageRoot } from "../io/package-root.js";

export function onPath(command: string, env: NodeJS.ProcessEnv): boolean {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      /* not in this directory */
    }
  }
  return false;
}

/** `raytls` when it is on PATH, else the absolute path of this package's bin/raytls.mjs. */
export function raytlsInvocation(env: NodeJS.ProcessEnv): string {
  return onPath("raytls", env) ? "raytls" : join(packageRoot(), "bin", "raytls.mjs");
}
