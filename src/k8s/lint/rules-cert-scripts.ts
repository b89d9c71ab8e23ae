/**
 * Rules on the certificate-making init containers and their scripts (the seed's Step 2).
 */
import { headServiceName } from "../kuberay-names.js";
import { asRecord, envOf, podsOf, type ContainerView, type PodView } from "./pod-model.js";
import type { InputResource, Rule, RuleFinding, RuleInfo } from "./types.js";
import { initScripts, isCertInit } from "./volume-sources.js";

export const CERT_SCRIPT_RULES: RuleInfo[] = [
  { id: "head-san-missing-fqdn", severity: "error", summary: "the head's certificate script has no $FQ_RAY_IP (head FQDN) in its SANs" },
  { id: "head-san-missing-short-name", severity: "info", summary: "the head's certificate has no short name ($RAY_IP): the seed's Step 4 failure" },
  { id: "pod-ip-missing", severity: "error", summary: "a certificate-generating init container without POD_IP from status.podIP" },
  { id: "script-no-eku", severity: "info", summary: "a certificate script sets no extendedKeyUsage" },
  { id: "script-mode-0777", severity: "info", summary: "scripts mounted world-writable (mode 0777)" },
];

interface CertInit {
  pod: PodView;
  c: ContainerView;
  scripts: ReturnType<typeof initScripts>;
}

function certInits(cluster: InputResource, configMaps: InputResource[]): CertInit[] {
  return podsOf(cluster.value).flatMap((pod) =>
    pod.containers
      .filter((c) => c.kind === "init")
      .map((c) => ({ pod, c, scripts: initScripts(pod, c, configMaps, cluster.namespace) }))
      // Without the ConfigMap at hand, a command naming a gencert script still counts.
      .filter((x) => isCertInit(x.scripts) || /gencert|pod-cert/.test(x.c.argv.join(" "))),
  );
}

/** The DNS SAN values a script writes: `DNS.n = value` (openssl config) or `DNS:value`. */
export function scriptDnsSans(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*DNS(?:\.\d+)?\s*=\s*(\S+)\s*$/gm)) out.push(m[1]!);
  for (const m of text.matchAll(/DNS:([^,\s"']+)/g)) out.push(m[1]!);
  return out;
}

const isVar = (v: string, name: string) => v === `$${name}` || v === `\${${name}}`;

export const headSans: Rule = ({ cluster, configMaps }) => {
  const out: RuleFinding[] = [];
  const svc = headServiceName(cluster.name);
  for (const { pod, c, scripts } of certInits(cluster, configMaps)) {
    if (pod.role !== "head") continue;
    // `raytls pod-cert --role head` applies the seed's SAN rules itself.
    const withSans = scripts.filter((s) => /subjectAltName|DNS[.:]/.test(s.text));
    if (withSans.length === 0) continue;
    // One name once, however many scripts or notations carry it.
    const sans = [...new Set(withSans.flatMap((s) => scriptDnsSans(s.text)))];
    const where = withSans.map((s) => s.where).join(", ");
    if (!sans.some((v) => isVar(v, "FQ_RAY_IP") || v.startsWith(`${svc}.`))) {
      out.push({
        rule: "head-san-missing-fqdn",
        severity: "error",
        path: [...c.path],
        message: `the head's certificate script (${where}, run by init container ${c.name}) puts no $FQ_RAY_IP in the SANs (it has ${sans.join(", ") || "no DNS names"}); workers dial the head at ${svc}.<namespace>.svc.<cluster domain> and gRPC rejects it: "Peer name ... is not in peer certificate"`,
        hint: "add `DNS.2 = $FQ_RAY_IP` to the head script's [alt_names] (KubeRay injects FQ_RAY_IP into init containers)",
      });
    }
    if (!sans.some((v) => isVar(v, "RAY_IP") || v === svc)) {
      out.push({
        rule: "head-san-missing-short-name",
        severity: "info",
        path: [...c.path],
        message: `the head certificate (${where}) has no short name ($RAY_IP = ${svc}): dialing the head by ${svc}:6379 fails with "Peer name ${svc} is not in peer certificate" (the seed's Step 4); workers use the FQDN, so this only matters for clients using the short name`,
        hint: `add the short name if clients use it: \`DNS.3 = $RAY_IP\` (raytls manifest --head-dns ${svc})`,
      });
    }
  }
  return out;
};

export const podIpMissing: Rule = ({ cluster, configMaps }) =>
  certInits(cluster, configMaps).flatMap(({ pod, c }): RuleFinding[] => {
    const e = envOf(c, "POD_IP");
    const field = asRecord(asRecord(e?.valueFrom)?.fieldRef)?.fieldPath;
    if (field === "status.podIP") return [];
    return [{
      rule: "pod-ip-missing",
      severity: "error",
      path: e ? [...c.path, "env", e.index] : [...c.path, ...(c.env.length ? ["env"] : [])],
      message: `certificate-generating init container ${c.name} (${pod.label}) ${e ? `sets POD_IP ${e.value !== undefined ? `to the fixed value ${JSON.stringify(e.value)}` : "from something other than status.podIP"}` : "has no POD_IP"}; the certificate's IP SAN must be the pod's own IP, which peers dial (the head reaches workers by pod IP)`,
      hint: "add env POD_IP with valueFrom.fieldRef.fieldPath: status.podIP",
    }];
  });

export const scriptNoEku: Rule = ({ cluster, configMaps }) => {
  const seen = new Set<string>();
  return certInits(cluster, configMaps).flatMap(({ c, scripts }): RuleFinding[] =>
    scripts
      .filter((s) => /openssl/.test(s.text) && !/extendedKeyUsage|-addext\s+["']?extendedKeyUsage/.test(s.text))
      .filter((s) => !seen.has(s.where) && seen.add(s.where))
      .map((s) => ({
        rule: "script-no-eku",
        severity: "info",
        path: s.configMap && s.key ? ["data", s.key] : [...c.path],
        ...(s.configMap && s.key ? { on: s.configMap } : {}),
        message: `the certificate script ${s.where} sets no extendedKeyUsage; it works (no EKU means any use), but a certificate with an EKU must list both serverAuth and clientAuth, since every Ray process presents it as server and as client`,
        hint: "add `extendedKeyUsage = serverAuth, clientAuth` to the signing extensions",
      })),
  );
};

export const scriptMode0777: Rule = ({ cluster }) =>
  podsOf(cluster.value).flatMap((pod) =>
    pod.volumes.flatMap((v): RuleFinding[] => {
      const cm = asRecord(v.raw.configMap);
      if (!cm) return [];
      const mode = typeof cm.defaultMode === "number" ? cm.defaultMode : undefined;
      // YAML 1.1 (what kubectl reads) makes `0777` octal 511; 777 is an invalid decimal mode.
      if (mode === undefined || (mode & 0o002) === 0) return [];
      return [{
        rule: "script-mode-0777",
        severity: "info",
        path: [...pod.path, "spec", "volumes", v.index, "configMap", "defaultMode"],
        message: `ConfigMap volume ${v.name} (${pod.label}) is mounted with defaultMode 0${mode.toString(8)}: world-writable scripts (the volume is read-only, but the mode says otherwise and fails policy scanners)`,
        hint: "use defaultMode: 0555 (365), or run the script with `sh script.sh` and use 0444",
      }];
    }),
  );
