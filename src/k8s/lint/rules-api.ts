/** Rules on the RayCluster's API version and, with `--crd`, its schema. */
import type { Rule, RuleInfo } from "./types.js";

export const API_RULES: RuleInfo[] = [
  { id: "v1alpha1", severity: "warning", summary: "ray.io/v1alpha1 is deprecated (served, not stored)" },
  { id: "crd-schema", severity: "error", summary: "with --crd: the RayCluster violates the CRD's openAPIV3Schema" },
];

export const v1alpha1: Rule = ({ cluster }) =>
  cluster.apiVersion === "ray.io/v1alpha1"
    ? [{
        rule: "v1alpha1",
        severity: "warning",
        path: ["apiVersion"],
        message: `RayCluster ${cluster.name} uses ray.io/v1alpha1, deprecated since KubeRay 1.0 (v1 is the stored version)`,
        hint: "change apiVersion to ray.io/v1 (the fields are the same for RayCluster)",
      }]
    : [];

export const crdSchema: Rule = ({ cluster, crd }) => {
  if (!crd) return [];
  const version = cluster.apiVersion.split("/")[1] ?? "";
  if (!crd.versions.includes(version)) {
    return [{
      rule: "crd-schema",
      severity: "error",
      path: ["apiVersion"],
      message: `the CRD has no version ${version} (it serves ${crd.versions.join(", ")})`,
      hint: "use an apiVersion the CRD serves, or pass the CRD of the KubeRay release you run",
    }];
  }
  return crd.validate(cluster.value, version).map((v) => ({
    rule: "crd-schema",
    severity: "error",
    path: v.path,
    message: `schema: ${v.message}`,
    hint: "compare with the CRD (kubectl explain raycluster.<path>); the API server rejects this object with strict field validation",
  }));
};
