/**
 * `raytls lint`: reads manifests (RayCluster `ray.io/v1` and `v1alpha1`, with the Secrets and
 * ConfigMaps given alongside) and runs every rule. Pure: parsed documents in, report out.
 */
import type { CrdValidator } from "../crd-schema.js";
import { formatPath, parseYamlDocuments, type ParsedDocument } from "../yaml-io.js";
import { asRecord } from "./pod-model.js";
import { API_RULES, crdSchema, v1alpha1 } from "./rules-api.js";
import { CA_KEY_RULES, caKeyExposed, caKeyInEnv } from "./rules-ca-key.js";
import { CERT_SCRIPT_RULES, headSans, podIpMissing, scriptMode0777, scriptNoEku } from "./rules-cert-scripts.js";
import { COVERAGE_RULES, scriptNotChecked, tlsFileMissing } from "./rules-coverage.js";
import { autoscalerTlsMissing, TLS_ENV_RULES, tlsEnvIncomplete, tlsMixed, tlsOptionsConflict, tlsPathNotMounted } from "./rules-tls-env.js";
import type { InputResource, Rule, RuleInfo, Severity } from "./types.js";

export type { Severity, RuleInfo } from "./types.js";

/** Every rule, in report order. */
export const RULES: Rule[] = [
  tlsEnvIncomplete,
  tlsMixed,
  tlsPathNotMounted,
  tlsFileMissing,
  caKeyExposed,
  caKeyInEnv,
  headSans,
  podIpMissing,
  tlsOptionsConflict,
  autoscalerTlsMissing,
  scriptNoEku,
  scriptMode0777,
  scriptNotChecked,
  v1alpha1,
  crdSchema,
];

export const RULE_INFO: RuleInfo[] = [...TLS_ENV_RULES, ...CA_KEY_RULES, ...CERT_SCRIPT_RULES, ...COVERAGE_RULES, ...API_RULES];

export interface LintFinding {
  rule: string;
  severity: Severity;
  /** The exact YAML path, e.g. `spec.workerGroupSpecs[0].template.spec.containers[0].env`. */
  path: string;
  message: string;
  hint: string;
  file: string;
  /** e.g. "RayCluster raycluster-tls". */
  resource: string;
  line?: number;
  column?: number;
}

export interface LintReport {
  findings: LintFinding[];
  errors: number;
  warnings: number;
  infos: number;
  /** How many RayClusters were checked. */
  clusters: number;
}

export interface LintFile {
  file: string;
  text: string;
}

/** Parses the files (throws RaytlsError "yaml-parse" with file:line:column) and lints them. */
export function lintFiles(files: LintFile[], options: { crd?: CrdValidator } = {}): LintReport {
  const resources = files.flatMap((f) => parseYamlDocuments(f.text, f.file).flatMap((d) => toResource(f.file, d)));
  return lintResources(resources, options);
}

function toResource(file: string, d: ParsedDocument): InputResource[] {
  const v = asRecord(d.value);
  if (!v) return [];
  // A `kind: List` (kubectl get -o yaml) holds its resources in items.
  if (v.kind === "List" && Array.isArray(v.items)) {
    return v.items.flatMap((item, i) => {
      const r = asRecord(item);
      if (!r) return [];
      return [resource(file, d, r, (p) => d.locate(["items", i, ...p]))];
    });
  }
  return [resource(file, d, v, (p) => d.locate(p))];
}

function resource(file: string, d: ParsedDocument, v: Record<string, unknown>, locate: InputResource["locate"]): InputResource {
  const meta = asRecord(v.metadata) ?? {};
  return {
    file,
    index: d.index,
    apiVersion: String(v.apiVersion ?? ""),
    kind: String(v.kind ?? ""),
    name: typeof meta.name === "string" ? meta.name : `(document ${d.index + 1})`,
    namespace: typeof meta.namespace === "string" ? meta.namespace : undefined,
    value: v,
    locate,
  };
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function lintResources(resources: InputResource[], options: { crd?: CrdValidator } = {}): LintReport {
  const clusters = resources.filter((r) => r.kind === "RayCluster" && /^ray\.io\/v1(alpha1)?$/.test(r.apiVersion));
  const secrets = resources.filter((r) => r.kind === "Secret" && r.apiVersion === "v1");
  const configMaps = resources.filter((r) => r.kind === "ConfigMap" && r.apiVersion === "v1");
  const findings: LintFinding[] = [];
  for (const cluster of clusters) {
    const input = { cluster, secrets, configMaps, ...(options.crd ? { crd: options.crd } : {}) };
    for (const rule of RULES) {
      for (const f of rule(input)) {
        const owner = f.on ?? cluster;
        const pos = owner.locate(f.path);
        findings.push({
          rule: f.rule,
          severity: f.severity,
          path: formatPath(f.path),
          message: f.message,
          hint: f.hint,
          file: owner.file,
          resource: `${owner.kind} ${owner.name}`,
          ...(pos ? { line: pos.line, column: pos.column } : {}),
        });
      }
    }
  }
  const count = (s: Severity) => findings.filter((f) => f.severity === s).length;
  findings.sort((a, b) => (a.file === b.file ? 0 : a.file < b.file ? -1 : 1) || SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || (a.line ?? 0) - (b.line ?? 0));
  return { findings, errors: count("error"), warnings: count("warning"), infos: count("info"), clusters: clusters.length };
}
