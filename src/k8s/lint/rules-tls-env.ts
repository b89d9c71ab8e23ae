/**
 * Rules on Ray's TLS environment contract (ray-tls-facts.md section 1) across a RayCluster's
 * containers, and on KubeRay's own mTLS option (section 4).
 */
import { asRecord, envOf, mountFor, podsOf, tlsOn, TLS_PATH_VARS, type ContainerView } from "./pod-model.js";
import type { Rule, RuleFinding, RuleInfo } from "./types.js";

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

function unmountedPaths(c: ContainerView): Array<{ name: string; value: string; index: number }> {
  return TLS_PATH_VARS.flatMap((v) => {
    const e = envOf(c, v);
    if (!e?.value || mountFor(c, e.value)) return [];
    return [{ name: v, value: e.value, index: e.index }];
  });
}

export const tlsEnvIncomplete: Rule = ({ cluster }) =>
  podsOf(cluster.value).flatMap((pod) =>
    pod.containers
      .filter((c) => (c.kind === "ray" || c.kind === "sidecar") && tlsOn(c))
      .flatMap((c): RuleFinding[] => {
        const missing = missingVars(c);
        if (missing.length === 0) return [];
        return [{
          rule: "tls-env-incomplete",
          severity: "error",
          path: [...c.path, "env"],
          message: `RAY_USE_TLS is on in container ${c.name} (${pod.label}) but ${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} not set; Ray refuses to start: "If the environment variable RAY_USE_TLS is set to true then RAY_TLS_SERVER_CERT, RAY_TLS_SERVER_KEY and RAY_TLS_CA_CERT must also be set."`,
          hint: `set ${missing.join(", ")} to the pod's certificate, key and CA certificate files (raytls manifest writes all four variables)`,
        }];
      }),
  );

export const tlsMixed: Rule = ({ cluster }) => {
  // With tlsOptions the operator sets the env on every Ray container itself.
  if (tlsOptionsEnabled(cluster.value)) return [];
  const rays = podsOf(cluster.value).flatMap((pod) => pod.containers.filter((c) => c.kind === "ray").map((c) => ({ pod, c, on: tlsOn(c) })));
  const on = rays.filter((r) => r.on);
  const off = rays.filter((r) => !r.on);
  if (on.length === 0 || off.length === 0) return [];
  const example = on[0]!;
  return off.map((r) => ({
    rule: "tls-mixed",
    severity: "error",
    path: [...r.c.path, "env"],
    message: `TLS is off in container ${r.c.name} (${r.pod.label}) but on in ${example.c.name} (${example.pod.label}); a Ray process without TLS cannot talk to one with it (every Ray gRPC server requires a client certificate)`,
    hint: "set RAY_USE_TLS=1 and the three RAY_TLS_* variables on every Ray container, or on none",
  }));
};

export const tlsPathNotMounted: Rule = ({ cluster }) =>
  podsOf(cluster.value).flatMap((pod) =>
    pod.containers
      .filter((c) => c.kind === "ray" || c.kind === "sidecar")
      .flatMap((c) =>
        unmountedPaths(c).map((p): RuleFinding => ({
          rule: "tls-path-not-mounted",
          severity: "error",
          path: [...c.path, "env", p.index],
          message: `${p.name}=${p.value} in container ${c.name} (${pod.label}) is not under any of its volumeMounts (${c.mounts.map((m) => m.mountPath).join(", ") || "none"}); Ray would read an empty or missing file`,
          hint: `mount the volume holding ${p.value} into ${c.name} (e.g. the ray-tls emptyDir at /etc/ray/tls), or point ${p.name} under an existing mount`,
        })),
      ),
  );

export const autoscalerTlsMissing: Rule = ({ cluster }) => {
  const spec = asRecord(cluster.value.spec) ?? {};
  if (spec.enableInTreeAutoscaling !== true || tlsOptionsEnabled(cluster.value)) return [];
  const pods = podsOf(cluster.value);
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
    severity: "error",
    path: ["spec", "autoscalerOptions"],
    message: `in-tree autoscaling is on and the Ray containers use TLS, but the autoscaler: ${problems.join("; ")}; it cannot reach the GCS`,
    hint: "give spec.autoscalerOptions the same env (RAY_USE_TLS=1 and the three RAY_TLS_* paths) and volumeMounts as the head's Ray container",
  }];
};

export const tlsOptionsConflict: Rule = ({ cluster }) => {
  if (!tlsOptionsEnabled(cluster.value)) return [];
  const out: RuleFinding[] = [];
  for (const pod of podsOf(cluster.value)) {
    for (const c of pod.containers) {
      for (const e of c.env) {
        if (e.name === "RAY_USE_TLS" || e.name.startsWith("RAY_TLS_")) {
          out.push({
            rule: "tls-options-conflict",
            severity: "error",
            path: [...c.path, "env", e.index],
            message: `spec.tlsOptions.enabled is true and container ${c.name} (${pod.label}) sets ${e.name}; KubeRay's mTLS mode injects the TLS env itself and rejects user-set RAY_USE_TLS/RAY_TLS_* env`,
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
