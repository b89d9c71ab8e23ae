/**
 * Files from other projects (KubeRay's CRD and samples) that tests read but the repository must not
 * hold: they live in `../shared/reference/` beside the clone. A bare `git clone` has no such folder,
 * so a test that needs one skips with the reason; with CI=true, where the folder is provided, a
 * missing file is a failure instead (the test runs and `text()` throws), never a quiet skip.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
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

const warned = new Set<string>();

function absentReason(rel: string, abs: string): string {
  return (
    `../shared/reference/${rel} is absent (${abs}): it comes from another project (KubeRay) and is not committed here; ` +
    `place the raytls shared/ folder beside the clone to run this test (with CI=true a missing file fails the test)`
  );
}

export function sharedReference(relPath: string): SharedReference {
  const abs = path.join(SHARED_REFERENCE_DIR, relPath);
  const present = existsSync(abs);
  const ci = process.env.CI === "true";
  const skip = present || ci ? undefined : `SKIP: ${absentReason(relPath, abs)}`;
  if (skip && !warned.has(relPath)) {
    warned.add(relPath);
    console.warn(skip);
  }
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
