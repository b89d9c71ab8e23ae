/**
 * Parsing `raytls manifest`'s flags into src/k8s's option types: each error names the flag and the
 * value (STYLE.md rule 5). CLI flag parsing, so it lives in src/cli; src/k8s keeps the types
 * (`WorkerGroup`, `ManifestOptions`) and builds from values (issue 12 section 3).
 */
import { RaytlsError } from "../errors.js";
import { checkDnsName } from "../pki/names.js";
import type { WorkerGroup } from "../k8s/raycluster-builder.js";

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `NAME:REPLICAS:MIN:MAX`, e.g. `cpu:2:1:10`; `where` names the option, e.g. `--worker-group[1]`. */
export function parseWorkerGroup(spec: string, where: string): WorkerGroup {
  const parts = spec.split(":");
  const bad = (why: string): RaytlsError =>
    new RaytlsError("bad-worker-group", `${where}: "${spec}" ${why}`, {
      hint: "write NAME:REPLICAS:MIN:MAX with MIN <= REPLICAS <= MAX, e.g. --worker-group cpu:2:1:10",
    });
  if (parts.length !== 4) throw bad("is not NAME:REPLICAS:MIN:MAX");
  const [name, ...nums] = parts as [string, string, string, string];
  if (!LABEL.test(name) || name.length > 63) throw bad(`has an invalid group name "${name}" (lower-case letters, digits and '-')`);
  const [replicas, min, max] = nums.map((n) => (/^\d{1,6}$/.test(n) ? Number(n) : NaN)) as [number, number, number];
  if ([replicas, min, max].some((n) => Number.isNaN(n))) throw bad("has a REPLICAS, MIN or MAX that is not a whole number");
  if (min > max) throw bad(`has MIN ${min} greater than MAX ${max}`);
  if (replicas < min || replicas > max) throw bad(`has REPLICAS ${replicas} outside MIN..MAX (${min}..${max})`);
  return { name, replicas, minReplicas: min, maxReplicas: max };
}

export function parseWorkerGroups(specs: string[]): WorkerGroup[] {
  const groups = specs.map((s, i) => parseWorkerGroup(s, `--worker-group[${i}]`));
  const seen = new Set<string>();
  groups.forEach((g, i) => {
    if (seen.has(g.name)) {
      throw new RaytlsError("bad-worker-group", `--worker-group[${i}]: group name "${g.name}" is used twice`, {
        hint: "give each worker group its own name",
      });
    }
    seen.add(g.name);
  });
  return groups;
}

export function parseHeadDns(names: string[]): string[] {
  return names.map((n) => checkDnsName(n, "--head-dns"));
}

/** A Ray version like 2.52.0: it also picks the default image `rayproject/ray:<version>`. */
export function checkRayVersion(v: string): string {
  if (!/^\d+\.\d+\.\d+([.-][0-9A-Za-z.-]+)?$/.test(v)) {
    throw new RaytlsError("bad-ray-version", `--ray-version: "${v}" is not a Ray version`, {
      hint: "pass a release such as 2.52.0",
    });
  }
  return v;
}

/** A container image reference: no spaces or shell characters. */
export function checkImage(image: string, where = "--image"): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._\/:@+-]*$/.test(image)) {
    throw new RaytlsError("bad-image", `${where}: "${image}" is not a container image reference`, {
      hint: "pass e.g. rayproject/ray:2.52.0 or registry.example.com/ray@sha256:...",
    });
  }
  return image;
}
