/**
 * Shared pieces of the k8s tests: where the shared reference files are (read at test time, never
 * copied into the repo), a CA made by the openssl CLI, and running the CLI in-process.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../../src/cli/main.js";
import type { CliContext } from "../../src/cli/context.js";
import { needsShared, sharedReference } from "../helpers/shared-reference.js";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** KubeRay's CRD and samples from ../shared/reference: tests needing them use `.skip` (see the helper). */
export const CRD = sharedReference("ray.io_rayclusters.yaml");
export const SAMPLES = sharedReference("kuberay-samples");
export const CRD_FILE = CRD.path;
/** `it`/`describe` for tests that need the CRD: skip with the reason when it is absent. */
export const withCrd = needsShared(CRD);

export function crdText(): string {
  return CRD.text();
}

export function tempDir(prefix = "raytls-k8s-"): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export const KUBECTL = "/usr/bin/kubectl";
/** kubectl (offline use only); tests that need it skip with this reason when it is absent. */
export function kubectlMissing(): string | undefined {
  if (existsSync(KUBECTL)) return undefined;
  const r = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" });
  return r.status === 0 ? undefined : "kubectl is not installed (needed for `kubectl create secret --dry-run` and `kubectl kustomize`)";
}
export function kubectlPath(): string {
  return existsSync(KUBECTL) ? KUBECTL : "kubectl";
}

/** A CA made by the openssl CLI (a real, independent peer): DIR/ca.crt and DIR/ca.key. */
export function opensslCa(dir: string, keyArgs: string[] = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]): { certPem: string; keyPem: string } {
  execFileSync("openssl", [
    "req", "-x509", "-sha256", "-days", "30", "-nodes", ...keyArgs,
    "-subj", "/CN=raytls test CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    "-keyout", path.join(dir, "ca.key"), "-out", path.join(dir, "ca.crt"),
  ], { stdio: "pipe" });
  return { certPem: readFileSync(path.join(dir, "ca.crt"), "utf8"), keyPem: readFileSync(path.join(dir, "ca.key"), "utf8") };
}

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs `raytls ...` in-process with its own context (cwd, captured stdout/stderr). */
export async function runCli(argv: string[], cwd: string): Promise<CliRun> {
  let out = "";
  let err = "";
  const ctx: CliContext = {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    env: { ...process.env, NO_COLOR: "1" },
    cwd,
    exitCode: 0,
    color: false,
  };
  const code = await main(argv, ctx);
  return { code, out, err };
}
