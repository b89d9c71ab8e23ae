/**
 * Shared pieces of the k8s tests: where the shared reference files are (read at test time, never
 * copied into the repo), kubectl, and a CA made by the openssl CLI.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { needsShared, sharedReference } from "../helpers/shared-reference.js";

/** KubeRay's CRD and samples from ../shared/reference: tests needing them use `.skip` (see the helper). */
export const CRD = sharedReference("ray.io_rayclusters.yaml");
export const SAMPLES = sharedReference("kuberay-samples");
export const CRD_FILE = CRD.path;
/** `it`/`describe` for tests that need the CRD: skip with the reason when it is absent. */
export const withCrd = needsShared(CRD);

export function crdText(): string {
  return CRD.text();
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
