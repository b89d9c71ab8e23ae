/**
 * Ray 2.58 itself for tests (the lab's `--ray` pods, the real-Ray verdicts, `bench ray`): which ray
 * binary, and one rule for when such a file cannot run. These tests need root and `ip netns`
 * (every Ray pod is a network namespace) and Ray 2.58 (`.venv-ray`, made by .ci/run, or
 * RAYTLS_RAY=path/to/ray). Without them the file skips and says why; with CI=true it fails with the
 * reason instead, never a quiet pass.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "./cli.js";

/** The ray the tests run: $RAYTLS_RAY, else <repo>/.venv-ray/bin/ray. */
export const RAY_BIN = process.env.RAYTLS_RAY || path.join(REPO, ".venv-ray", "bin", "ray");

/** Why Ray tests cannot run here, or undefined. `dist`: the test also runs the built binary. */
export function realRayUnavailable(o: { dist?: boolean } = {}): string | undefined {
  if (process.getuid?.() !== 0) return "needs root for network namespaces (run as root, e.g. in .ci/run)";
  if (!existsSync(RAY_BIN)) return `Ray 2.58 not found at ${RAY_BIN} (python3 -m venv .venv-ray && .venv-ray/bin/pip install ray==2.58.0 numpy, as .ci/run does; or set RAYTLS_RAY)`;
  if (spawnSync("ip", ["netns", "list"]).status !== 0) return "`ip netns` is unavailable (install iproute2)";
  if (o.dist && !existsSync(path.join(REPO, "dist"))) return "dist/ is not built (node scripts/build.mjs; npm test does it)";
  return undefined;
}

/**
 * For a test file that needs Ray (see above): undefined when it can run. Otherwise it declares the
 * file's only block itself, skipped with the reason printed, or with CI=true one test failing with
 * the reason, and returns the reason; the file then declares nothing else:
 *
 *     if (!realRaySkip("lab --ray")) { describe(...) }
 */
export function realRaySkip(what: string, o: { dist?: boolean } = {}): string | undefined {
  const why = realRayUnavailable(o);
  if (!why) return undefined;
  if (process.env.CI === "true") {
    describe(what, () => it("runs in CI", () => expect.fail(`CI=true but: ${why}`)));
  } else {
    console.warn(`SKIP ${what}: ${why}`);
    describe.skip(what, () => it("skipped", () => {}));
  }
  return why;
}
