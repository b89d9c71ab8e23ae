/** The curated public API of raytls (the CLI is built on exactly this). */
export { RaytlsError } from "./errors.js";
// Kubernetes (issue 4): KubeRay naming, manifest builders, CRD validation, lint.
export { headServiceName, headFqdn, headShortName, DEFAULT_CLUSTER_DOMAIN } from "./k8s/kuberay-names.js";
export { buildManifest, manifestYaml, manifestFiles, type ManifestOptions, type Manifest } from "./k8s/manifest.js";
export { buildRayCluster, rayTlsEnv, type WorkerGroup, type ClusterMode } from "./k8s/raycluster-builder.js";
export { gencertScript, seedScripts } from "./k8s/seed-scripts.js";
export { loadCrd, type CrdValidator } from "./k8s/crd-schema.js";
export { lintFiles, RULE_INFO, type LintReport, type LintFinding } from "./k8s/lint/lint.js";
