/** The curated public API of raytls (the CLI is built on exactly this). */
export { RaytlsError } from "./errors.js";
// Kubernetes (issue 4): KubeRay naming, manifest builders, CRD validation, lint.
export { headServiceName, headFqdn, headShortName, DEFAULT_CLUSTER_DOMAIN } from "./k8s/kuberay-names.js";
export { buildManifest, manifestYaml, manifestFiles, type ManifestOptions, type Manifest } from "./k8s/manifest.js";
export { buildRayCluster, rayTlsEnv, type WorkerGroup, type ClusterMode } from "./k8s/raycluster-builder.js";
export { gencertScript, seedScripts } from "./k8s/seed-scripts.js";
export { loadCrd, type CrdValidator } from "./k8s/crd-schema.js";
export { lintFiles, RULE_INFO, type LintReport, type LintFinding } from "./k8s/lint/lint.js";
// Ray on the wire (issue 3): health check, Ray-compatible test nodes, the local lab and demo.
export { healthCheck, HEALTH_PROTOCOLS, type HealthCheckOptions, type HealthCheckResult, type HealthProtocol } from "./ray/health-check.js";
export { startHead, type HeadOptions, type RunningHead } from "./ray/head-node.js";
export { startWorker, headAddressFromEnv, type WorkerOptions, type RunningWorker } from "./ray/worker-node.js";
export { RayChannelCredentials } from "./ray/ray-channel-credentials.js";
export { rayServerCredentials } from "./ray/server-credentials.js";
export { loadTls, type TlsFiles } from "./ray/tls-material.js";
export { probeTls, type ProbeReport } from "./ray/tls-probe.js";
export { labUp, labStatus, labDown, type LabUpOptions, type LabStatus } from "./lab/lab.js";
export { runDemo, type DemoReport, type DemoStep } from "./lab/demo.js";
