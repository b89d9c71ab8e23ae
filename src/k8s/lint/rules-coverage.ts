/**
 * What lint could not check, and files Ray would not find (issue 11): a certificate script in a
 * ConfigMap that was not among the inputs is said to be unchecked (as a Secret that was not given
 * is said to be guessed), and a RAY_TLS_* file name that the mounted volume does not hold
 * (`tls.cert` for `tls.crt`) is reported, where lint knows what the volume holds.
 */
import { asRecord, envOf, mountFor, podsOf, TLS_PATH_VARS, volumeOf, type ContainerView, type PodView } from "./pod-model.js";
import { podsWithEnv } from "./env-sources.js";
import type { InputResource, Rule, RuleFinding, RuleInfo } from "./types.js";
import { byName, initScripts, isCertInit } from "./volume-sources.js";

export const COVERAGE_RULES: RuleInfo[] = [
  { id: "script-not-checked", severity: "warning", summary: "an init container runs a script from a ConfigMap that was not given to lint: its certificate rules were not checked" },
  { id: "tls-file-missing", severity: "error", summary: "a RAY_TLS_* file name that the mounted volume does not hold (e.g. tls.cert for tls.crt)" },
];

/** The ConfigMap-backed scripts an init container runs from ConfigMaps not among the inputs. */
function unresolvedScripts(pod: PodView, c: ContainerView, configMaps: InputResource[], namespace: string | undefined): Array<{ configMap: string; file: string }> {
  const out: Array<{ configMap: string; file: string }> = [];
  for (const m of c.mounts) {
    const cm = asRecord(volumeOf(pod, m.name)?.raw.configMap);
    if (!cm || typeof cm.name !== "string" || byName(configMaps, cm.name, namespace)) continue;
    const dir = m.mountPath.replace(/\/+$/, "");
    for (const token of c.argv.flatMap((a) => a.split(/[\s;&|]+/))) {
      if (token.startsWith(dir + "/")) out.push({ configMap: cm.name, file: token });
    }
  }
  return out;
}

export const scriptNotChecked: Rule = ({ cluster, configMaps }) => {
  const seen = new Set<string>();
  return podsOf(cluster.value).flatMap((pod) =>
    pod.containers
      .filter((c) => c.kind === "init")
      .flatMap((c): RuleFinding[] =>
        unresolvedScripts(pod, c, configMaps, cluster.namespace)
          .filter((s) => !seen.has(`${s.configMap} ${s.file}`) && seen.add(`${s.configMap} ${s.file}`))
          .map((s) => ({
            rule: "script-not-checked",
            severity: "warning",
            path: [...c.path],
            message: `init container ${c.name} (${pod.label}) runs ${s.file} from ConfigMap ${s.configMap}, which was not given to raytls lint: the script's SANs${pod.role === "head" ? " ($FQ_RAY_IP)" : ""}, POD_IP use and EKU were not checked`,
            hint: `pass the file holding ConfigMap ${s.configMap} to raytls lint too (e.g. raytls lint raycluster.yaml configmap.yaml)`,
          })),
      ),
  );
};

/** The file names a certificate init container leaves in its output volume, when lint can tell. */
function writtenNames(pod: PodView, volume: string, configMaps: InputResource[], namespace: string | undefined): Set<string> | undefined {
  const names = new Set<string>();
  let known = false;
  for (const c of pod.containers.filter((x) => x.kind === "init" && x.mounts.some((m) => m.name === volume))) {
    const scripts = initScripts(pod, c, configMaps, namespace);
    if (!isCertInit(scripts)) continue;
    if (unresolvedScripts(pod, c, configMaps, namespace).length) return undefined;
    known = true;
    // `raytls pod-cert` writes these three; a script names what it writes.
    if (scripts.some((s) => /raytls\s+pod-cert|\bpod-cert\b/.test(s.text))) ["tls.key", "tls.crt", "ca.crt"].forEach((n) => names.add(n));
    for (const s of scripts) for (const m of s.text.matchAll(/[\w.-]+\.(?:crt|key|pem|cert|cer)\b/g)) names.add(m[0]);
  }
  return known ? names : undefined;
}

/** What a Secret or ConfigMap volume holds (its keys, or its items' paths), when it was given. */
function volumeNames(pod: PodView, volume: string, secrets: InputResource[], configMaps: InputResource[], namespace: string | undefined): { what: string; names: Set<string> } | undefined {
  const raw = volumeOf(pod, volume)?.raw;
  const secret = asRecord(raw?.secret);
  const cm = asRecord(raw?.configMap);
  const src = secret && typeof secret.secretName === "string" ? { kind: "Secret", name: secret.secretName, spec: secret, list: secrets } : cm && typeof cm.name === "string" ? { kind: "ConfigMap", name: cm.name, spec: cm, list: configMaps } : undefined;
  if (!src) return undefined;
  const items = Array.isArray(src.spec.items) ? src.spec.items.map((i) => asRecord(i)).filter((i) => i && typeof i.key === "string") : undefined;
  if (items?.length) return { what: `${src.kind} ${src.name} (items)`, names: new Set(items.map((i) => String(i!.path ?? i!.key))) };
  const res = byName(src.list, src.name, namespace);
  if (!res) return undefined;
  return { what: `${src.kind} ${src.name}`, names: new Set([...Object.keys(asRecord(res.value.data) ?? {}), ...Object.keys(asRecord(res.value.stringData) ?? {})]) };
}

export const tlsFileMissing: Rule = (input) => {
  const { cluster, secrets, configMaps } = input;
  const out: RuleFinding[] = [];
  for (const pod of podsWithEnv(input)) {
    for (const c of pod.containers.filter((x) => x.kind === "ray" || x.kind === "sidecar" || x.kind === "autoscaler")) {
      for (const v of TLS_PATH_VARS) {
        const e = envOf(c, v);
        const m = e?.value ? mountFor(c, e.value) : undefined;
        if (!e?.value || !m || m.subPath) continue;
        const rel = e.value.replace(/\/+$/, "").slice(m.mountPath.replace(/\/+$/, "").length + 1);
        if (!rel || rel.includes("/")) continue;
        const given = volumeNames(pod, m.name, secrets, configMaps, cluster.namespace);
        const written = given ? undefined : writtenNames(pod, m.name, configMaps, cluster.namespace);
        const names = given?.names ?? written;
        if (!names || names.has(rel)) continue;
        const what = given ? given.what : `what the certificate init container writes into volume ${m.name}`;
        const near = closest(rel, [...names]);
        out.push({
          rule: "tls-file-missing",
          severity: "error",
          path: [...c.path, e.source ? "envFrom" : "env", e.index],
          message: `${v}=${e.value} in container ${c.name} (${pod.label}): ${what} has no file ${rel} (it has ${[...names].sort().join(", ") || "nothing"}); Ray fails to start reading it`,
          hint: near ? `did you mean ${m.mountPath.replace(/\/+$/, "")}/${near}?` : `point ${v} at a file the volume holds`,
        });
      }
    }
  }
  return out;
};

/** The candidate nearest to `word` by edit distance, when it is close (a typo, not another file). */
function closest(word: string, candidates: string[]): string | undefined {
  const dist = (a: string, b: string): number => {
    let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const cur = [i];
      for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
    return prev[b.length]!;
  };
  const best = candidates.map((c) => ({ c, d: dist(word, c) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(2, Math.floor(word.length / 3)) ? best.c : undefined;
}
