/**
 * A RayCluster seen as pods and containers, each with the exact YAML path it came from, so every
 * rule reports `spec.workerGroupSpecs[0].template.spec.containers[0].env` and not "a worker".
 *
 * KubeRay treats `containers[0]` as the Ray container (other containers are sidecars), and runs
 * the in-tree autoscaler as a container of the head pod configured by `spec.autoscalerOptions`.
 */
import type { YamlPath } from "../yaml-io.js";

export type ContainerKind = "init" | "ray" | "sidecar" | "autoscaler";

export interface EnvEntry {
  name: string;
  value?: string;
  valueFrom?: Record<string, unknown>;
  /** Index in `env`, or in `envFrom` when `source` is set. */
  index: number;
  /** Set when the variable comes through `envFrom`: e.g. "ConfigMap ray-tls-env". */
  source?: string;
}

/** One `envFrom` entry: every key of a ConfigMap or Secret, with an optional prefix. */
export interface EnvFromEntry {
  kind: "ConfigMap" | "Secret";
  name: string;
  prefix: string;
  index: number;
}

export interface MountEntry {
  name: string;
  mountPath: string;
  readOnly: boolean;
  subPath?: string;
  index: number;
}

export interface ContainerView {
  kind: ContainerKind;
  name: string;
  path: YamlPath;
  env: EnvEntry[];
  envFrom: EnvFromEntry[];
  /** `envFrom` sources that were not among the inputs: their variables are unknown. */
  unresolvedEnvFrom: string[];
  mounts: MountEntry[];
  /** command and args, as written. */
  argv: string[];
}

export interface VolumeView {
  name: string;
  index: number;
  raw: Record<string, unknown>;
}

export interface PodView {
  role: "head" | "worker";
  /** e.g. "head" or "worker group small-group". */
  label: string;
  /** Path of the pod template. */
  path: YamlPath;
  volumes: VolumeView[];
  containers: ContainerView[];
}

export function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function podsOf(cluster: Record<string, unknown>): PodView[] {
  const spec = asRecord(cluster.spec) ?? {};
  const pods: PodView[] = [];
  const head = asRecord(spec.headGroupSpec);
  if (head) {
    const pod = podView("head", "head", ["spec", "headGroupSpec", "template"], asRecord(head.template));
    if (spec.enableInTreeAutoscaling === true) {
      const a = asRecord(spec.autoscalerOptions) ?? {};
      pod.containers.push(containerView("autoscaler", "autoscaler", ["spec", "autoscalerOptions"], a));
    }
    pods.push(pod);
  }
  asArray(spec.workerGroupSpecs).forEach((g, i) => {
    const group = asRecord(g) ?? {};
    const name = typeof group.groupName === "string" ? group.groupName : `#${i}`;
    pods.push(podView("worker", `worker group ${name}`, ["spec", "workerGroupSpecs", i, "template"], asRecord(group.template)));
  });
  return pods;
}

function podView(role: "head" | "worker", label: string, path: YamlPath, template: Record<string, unknown> | undefined): PodView {
  const podSpec = asRecord(template?.spec) ?? {};
  const specPath = [...path, "spec"];
  const containers: ContainerView[] = [];
  asArray(podSpec.initContainers).forEach((c, i) => {
    const r = asRecord(c) ?? {};
    containers.push(containerView("init", nameOf(r, `initContainers[${i}]`), [...specPath, "initContainers", i], r));
  });
  asArray(podSpec.containers).forEach((c, i) => {
    const r = asRecord(c) ?? {};
    containers.push(containerView(i === 0 ? "ray" : "sidecar", nameOf(r, `containers[${i}]`), [...specPath, "containers", i], r));
  });
  const volumes = asArray(podSpec.volumes).map((v, index) => {
    const raw = asRecord(v) ?? {};
    return { name: String(raw.name ?? ""), index, raw };
  });
  return { role, label, path, volumes, containers };
}

function nameOf(r: Record<string, unknown>, fallback: string): string {
  return typeof r.name === "string" ? r.name : fallback;
}

function containerView(kind: ContainerKind, name: string, path: YamlPath, c: Record<string, unknown>): ContainerView {
  const env = asArray(c.env).flatMap((e, index) => {
    const r = asRecord(e);
    if (!r || typeof r.name !== "string") return [];
    const entry: EnvEntry = { name: r.name, index };
    if (r.value !== undefined && r.value !== null) entry.value = String(r.value);
    const vf = asRecord(r.valueFrom);
    if (vf) entry.valueFrom = vf;
    return [entry];
  });
  const mounts = asArray(c.volumeMounts).flatMap((m, index) => {
    const r = asRecord(m);
    if (!r || typeof r.mountPath !== "string") return [];
    const entry: MountEntry = { name: String(r.name ?? ""), mountPath: r.mountPath, readOnly: r.readOnly === true, index };
    if (typeof r.subPath === "string" && r.subPath) entry.subPath = r.subPath;
    return [entry];
  });
  const argv = [...asArray(c.command), ...asArray(c.args)].map((a) => String(a));
  const envFrom = asArray(c.envFrom).flatMap((e, index): EnvFromEntry[] => {
    const r = asRecord(e) ?? {};
    const prefix = typeof r.prefix === "string" ? r.prefix : "";
    const cm = asRecord(r.configMapRef);
    const sec = asRecord(r.secretRef);
    if (typeof cm?.name === "string") return [{ kind: "ConfigMap", name: cm.name, prefix, index }];
    if (typeof sec?.name === "string") return [{ kind: "Secret", name: sec.name, prefix, index }];
    return [];
  });
  // Until resolveEnvFrom() has looked at the inputs, every envFrom source is unknown.
  return { kind, name, path, env, envFrom, unresolvedEnvFrom: envFrom.map((e) => `${e.kind} ${e.name}`), mounts, argv };
}

/** The last entry wins, as in Kubernetes. */
export function envOf(c: ContainerView, name: string): EnvEntry | undefined {
  return c.env.filter((e) => e.name === name).pop();
}

/**
 * RAY_USE_TLS is on when its value is `1` or `true`, any case (facts section 1), compared as Ray
 * does, without trimming: `" 1"` is off, as in src/ray/tls-env.ts (which k8s may not import).
 */
export function tlsOn(c: ContainerView): boolean {
  const v = envOf(c, "RAY_USE_TLS")?.value;
  return v !== undefined && ["1", "true"].includes(v.toLowerCase());
}

export const TLS_PATH_VARS = ["RAY_TLS_SERVER_CERT", "RAY_TLS_SERVER_KEY", "RAY_TLS_CA_CERT"] as const;

/** Is `file` at or under a mount of this container? Returns the mount. */
export function mountFor(c: ContainerView, file: string): MountEntry | undefined {
  const norm = (p: string) => p.replace(/\/+$/, "");
  const f = norm(file);
  return c.mounts
    .filter((m) => f === norm(m.mountPath) || (!m.subPath && f.startsWith(norm(m.mountPath) + "/")))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
}

export function volumeOf(pod: PodView, name: string): VolumeView | undefined {
  return pod.volumes.find((v) => v.name === name);
}
