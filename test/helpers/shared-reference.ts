/**
 * Files from other projects (KubeRay's CRD and samples) that tests read but the repository must not
 * hold: they live in `../shared/reference/` beside the clone. A bare `git clone` has no such folder,
 * so a test that needs one skips with the reason; with CI=true, where the folder is provided, a
 * missing file is a failure instead (the test runs and `text()` throws), never a quiet skip.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it, type TestFunction } from "vitest";
import { fileURLToPath } from "node:url";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** `../shared/reference` next to the repository root. */
export const SHARED_REFERENCE_DIR = path.resolve(REPO_ROOT, "../shared/reference");

export interface SharedReference {
  /** Absolute path the file is (or would be) at. */
  path: string;
  /** Why the test skips (the file is absent and CI is not "true"); undefined when it must run. */
  skip: string | undefined;
  /** The file's text; throws a message naming the file and how to get it when it is absent. */
  text(): string;
  /** The names in the directory (for a directory reference); throws like text() when absent. */
  entries(): string[];
}


function absentReason(rel: string, abs: string): string {
  return (
    `${abs} is absent: it is KubeRay's (not committed here); to run this test put KubeRay v1.7's ` +
    `ray-operator/config/crd/bases/ray.io_rayclusters.yaml and config/samples/ (as kuberay-samples/) in ${SHARED_REFERENCE_DIR}; ` +
    `with CI=true this test fails instead`
  );
}

export function sharedReference(relPath: string): SharedReference {
  const abs = path.join(SHARED_REFERENCE_DIR, relPath);
  const present = existsSync(abs);
  const ci = process.env.CI === "true";
  const skip = present || ci ? undefined : absentReason(relPath, abs);
  return {
    path: abs,
    skip,
    text() {
      if (!existsSync(abs)) throw new Error(absentReason(relPath, abs));
      return readFileSync(abs, "utf8");
    },
    entries() {
      if (!existsSync(abs)) throw new Error(absentReason(relPath, abs));
      return readdirSync(abs);
    },
  };
}

/**
 * `it` and `describe` that run when every reference is there (or CI=true) and otherwise skip,
 * printing `SKIP <test name>: <reason>` so a bare clone's run names each skipped test and why.
 */
export function needsShared(...refs: SharedReference[]): { it: (name: string, fn: TestFunction) => void; describe: (name: string, fn: () => void) => void } {
  const skip = refs.map((r) => r.skip).find((s) => s !== undefined);
  return {
    it(name, fn) {
      if (skip) console.warn(`SKIP "${name}": ${skip}`);
      (skip ? it.skip : it)(name, fn);
    },
    describe(name, fn) {
      if (skip) console.warn(`SKIP "${name}" (all of it): ${skip}`);
      (skip ? describe.skip : describe)(name, fn);
    },
  };
}
