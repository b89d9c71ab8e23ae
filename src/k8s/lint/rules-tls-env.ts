/**
 * Rules on Ray's TLS environment contract (ray-tls-facts.md section 1) across a RayCluster's
 * containers, and on KubeRay's own mTLS option (section 4).
 */
import { asRecord, envOf, mountFor, tlsOn, TLS_PATH_VARS, type ContainerView, type EnvEntry } from "./pod-model.js";
import { podsWithEnv, unresolvedNote } from "./env-sources.js";
import type { Rule, RuleFinding, RuleInfo, Severity } from "./types.js";

// Every rule here reads a container's env as Kubernetes builds it, envFrom included
// (env-sources.ts). Where an envFrom source was not among the inputs and could hold what looks
// missing, the finding is a warning that says so, not an error.
const certain = (c: ContainerView): Severity => (c.unresolvedEnvFrom.length ? "warning" : "error");
const hintFor = (c: ContainerView, fix: string): string =>
  c.unresolvedEnvFrom.length ? `${fix}; or pass the file with ${c.unresolvedEnvFrom.join(" and ")} to raytls lint so it can read it` : fix;
/** Where an env entry is written: env[i], or envFrom[i] for a variable from a ConfigMap/Secret. */
const envPath = (c: ContainerView, e: EnvEntry) => [...c.path, e.source ? "envFrom" : "env", e.index];

export const TLS_ENV_RULES: RuleInfo[] = [
  { id: "tls-env-incomplete", severity: "error", summary: "RAY_USE_TLS is on but RAY_TLS_SERVER_CERT, RAY_TLS_SERVER_KEY or RAY_TLS_CA_CERT is missing" },
  { id: "tls-mixed", severity: "error", summary: "TLS is on in some Ray containers and off in others" },
  { id: "tls-path-not-mounted", severity: "error", summary: "a RAY_TLS_* path is not under any volumeMount of that container" },
  { id: "autoscaler-tls-missing", severity: "error", summary: "in-tree autoscaling with TLS on, but the autoscaler lacks the TLS env or mounts" },
  { id: "tls-options-conflict", severity: "error", summary: "spec.tlsOptions.enabled together with RAY_USE_TLS/RAY_TLS_* env or a /etc/ray/tls mount" },
];

function tlsOptionsEnabled(cluster: Record<string, unknown>): boolean {
  return asRecord(asRecord(cluster.spec)?.tlsOptions)?.enabled === true;
}

function missingVars(c: ContainerView): string[] {
  return TLS_PATH_VARS.filter((v) => !envOf(c, v)?.value && !envOf(c, v)?.valueFrom);
}

function unmountedPaths(c: ContainerView): Array<EnvEntry & { value: string }> {
  return TLS_PATH_VARS.flatMap((v) => {
    const e = envOf(c, v);
    if (!e?.value || mountFor(c, e.value)) return [];
    return [{ ...e, value: e.value }];
  });
}

export const tlsEnvIncomplete: Rule = (input) =>
  podsWithEnv(input).flatMap((pod) =>
    pod.containers
      .filter((c) => (c.kind === "ray" || c.kind === "sidecar") && tlsOn(c))
      .flatMap((c): RuleFinding[] => {
        const missing = missingVars(c);
        if (missing.length === 0) return [];
        return [{
          rule: "tls-env-incomplete",
          severity: certain(c),
          path: [...c.path, "env"],
          message: `RAY_USE_TLS is on in container ${c.name} (${pod.label}) but ${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} not set${unresolvedNote(c)}; Ray refuses to start: "If the environment variable RAY_USE_TLS is set to true then RAY_TLS_SERVER_CERT, RAY_TLS_SERVER_KEY and RAY_TLS_CA_CERT must also be set."`,
          hint: hintFor(c, `set ${missing.join(", ")} to the pod's certificate, key and CA certificate files (raytls manifest writes all four variables)`),
        }];
      }),
  );

export const tlsMixed: Rule = (input) => {
  // With tlsOptions the operator sets the env on every Ray container itself.
  if (tlsOptionsEnabled(input.cluster.value)) return [];
  const rays = podsWithEnv(input).flatMap((pod) => pod.containers.filter((c) => c.kind === "ray").map((c) => ({ pod, c, on: tlsOn(c) })));
  const on = rays.filter((r) => r.on);
  const off = rays.filter((r) => !r.on);
  if (on.length === 0 || off.length === 0) return [];
  const example = on[0]!;
  return off.map((r) => ({
    rule: "tls-mixed",
    severity: certain(r.c),
    path: [...r.c.path, "env"],
    message: `TLS is off in container ${r.c.name} (${r.pod.label}) but on in ${example.c.name} (${example.pod.label})${unresolvedNote(r.c)}; a Ray process without TLS cannot talk to one with it (every Ray gRPC server requires a client certificate)`,
    hint: hintFor(r.c, "set RAY_USE_TLS=1 and the three RAY_TLS_* variables on every Ray container, or on none"),
  }));
};

export const tlsPathNotMounted: Rule = (input) =>
  podsWithEnv(input).flatMap((pod) =>
    pod.containers
      .filter((c) => c.kind === "ray" || c.kind === "sidecar")
      .flatMap((c) =>
        unmountedPaths(c).map((p): RuleFinding => ({
          rule: "tls-path-not-mounted",
          severity: "error",
          path: envPath(c, p),
          message: `${p.name}=${p.value}${p.source ? ` (from ${p.source})` : ""} in container ${c.name} (${pod.label}) is not under any of its volumeMounts (${c.mounts.map((m) => m.mountPath).join(", ") || "none"}); Ray would read an empty or missing file`,
          hint: `mount the volume holding ${p.value} into ${c.name} (e.g. the ray-tls emptyDir at /etc/ray/tls), or point ${p.name} under an existing mount`,
        })),
      ),
  );

export const autoscalerTlsMissing: Rule = (input) => {
  const spec = asRecord(input.cluster.value.spec) ?? {};
  if (spec.enableInTreeAutoscaling !== true || tlsOptionsEnabled(input.cluster.value)) return [];
  const pods = podsWithEnv(input);
  const anyTls = pods.some((p) => p.containers.some((c) => c.kind === "ray" && tlsOn(c)));
  if (!anyTls) return [];
  const auto = pods.flatMap((p) => p.containers).find((c) => c.kind === "autoscaler");
  if (!auto) return [];
  const problems: string[] = [];
  if (!tlsOn(auto)) problems.push("RAY_USE_TLS is not on");
  const missing = missingVars(auto);
  if (missing.length) problems.push(`${missing.join(", ")} not set`);
  for (const p of unmountedPaths(auto)) problems.push(`${p.name}=${p.value} is not under any of its volumeMounts`);
  if (problems.length === 0) return [];
  return [{
    rule: "autoscaler-tls-missing",
    severity: certain(auto),
    path: ["spec", "autoscalerOptions"],
    message: `in-tree autoscaling is on and the Ray containers use TLS, but the autoscaler: ${problems.join("; ")}${unresolvedNote(auto)}; it cannot reach the GCS`,
    hint: hintFor(auto, "give spec.autoscalerOptions the same env (RAY_USE_TLS=1 and the three RAY_TLS_* paths) and volumeMounts as the head's Ray container"),
  }];
};

export const tlsOptionsConflict: Rule = (input) => {
  if (!tlsOptionsEnabled(input.cluster.value)) return [];
  const out: RuleFinding[] = [];
  for (const pod of podsWithEnv(input)) {
    for (const c of pod.containers) {
      for (const e of c.env) {
        if (e.name === "RAY_USE_TLS" || e.name.startsWith("RAY_TLS_")) {
          out.push({
            rule: "tls-options-conflict",
            severity: "error",
            path: envPath(c, e),
            message: `spec.tlsOptions.enabled is true and container ${c.name} (${pod.label}) sets ${e.name}${e.source ? ` (from ${e.source})` : ""}; KubeRay's mTLS mode injects the TLS env itself and rejects user-set RAY_USE_TLS/RAY_TLS_* env`,
            hint: `remove ${e.name} (and the init containers that make certificates), or turn spec.tlsOptions off and manage TLS yourself`,
          });
        }
      }
      for (const m of c.mounts) {
        if (m.mountPath.replace(/\/+$/, "") === "/etc/ray/tls" || m.mountPath.startsWith("/etc/ray/tls/")) {
          out.push({
            rule: "tls-options-conflict",
            severity: "error",
            path: [...c.path, "volumeMounts", m.index],
            message: `spec.tlsOptions.enabled is true and container ${c.name} (${pod.label}) mounts ${m.name} at ${m.mountPath}; KubeRay's mTLS mode mounts its certificates there and rejects user mounts at /etc/ray/tls`,
            hint: "remove this volumeMount, or turn spec.tlsOptions off and manage TLS yourself",
          });
        }
      }
    }
  }
  return out;
};
