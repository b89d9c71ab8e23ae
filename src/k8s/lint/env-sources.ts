/**
 * A container's environment as Kubernetes builds it: the keys of every `envFrom` ConfigMap or
 * Secret (with its prefix; a later source wins), then `env` (which wins over all of them). Sources
 * given to `raytls lint` are read; the others stay listed in `unresolvedEnvFrom`, so a rule can say
 * "cannot tell" instead of reporting a variable as missing when it may come from there.
 */
import { asRecord, podsOf, type ContainerView, type EnvEntry, type PodView } from "./pod-model.js";
import type { InputResource, RuleInput } from "./types.js";
import { byName } from "./volume-sources.js";

function sourceData(res: InputResource): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(asRecord(res.value.data) ?? {})) {
    out[k] = res.kind === "Secret" ? Buffer.from(String(v), "base64").toString("utf8") : String(v);
  }
  for (const [k, v] of Object.entries(asRecord(res.value.stringData) ?? {})) out[k] = String(v);
  return out;
}

function withEnvFrom(c: ContainerView, input: RuleInput): ContainerView {
  if (c.envFrom.length === 0) return c;
  const fromSources: EnvEntry[] = [];
  const unresolved: string[] = [];
  for (const src of c.envFrom) {
    const res = byName(src.kind === "ConfigMap" ? input.configMaps : input.secrets, src.name, input.cluster.namespace);
    if (!res) {
      unresolved.push(`${src.kind} ${src.name}`);
      continue;
    }
    for (const [key, value] of Object.entries(sourceData(res))) {
      fromSources.push({ name: src.prefix + key, value, index: src.index, source: `${src.kind} ${src.name}` });
    }
  }
  return { ...c, env: [...fromSources, ...c.env], unresolvedEnvFrom: unresolved };
}

/** podsOf(), with each container's envFrom sources read from the inputs where they were given. */
export function podsWithEnv(input: RuleInput): PodView[] {
  return podsOf(input.cluster.value).map((pod) => ({ ...pod, containers: pod.containers.map((c) => withEnvFrom(c, input)) }));
}

/** ", and it takes env from ConfigMap x, which was not given to raytls lint" (or ""). */
export function unresolvedNote(c: ContainerView): string {
  if (c.unresolvedEnvFrom.length === 0) return "";
  return `; it also takes env from ${c.unresolvedEnvFrom.join(" and ")}, which ${c.unresolvedEnvFrom.length > 1 ? "were" : "was"} not given to raytls lint`;
}
