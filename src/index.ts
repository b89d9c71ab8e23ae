/**
 * The curated public API of raytls, on grpc-js's public API only (the CLI is built on it and on
 * raytls/experimental).
 * What leans on @grpc/grpc-js internals lives apart in src/experimental.ts.
 */
export { RaytlsError } from "./errors.js";
// Certificates (issue 2): the seed's Steps 1 and 2, verification, and gRPC C-core's peer-name rules.
export { createCa, loadCa, type CreateCaOptions, type LoadedCa, type PemPair } from "./pki/ca.js";
export { issuePodCert, issueLeaf, type PodCertOptions, type IssuedCertificate } from "./pki/issue.js";
export { podSans, parseRole, type Role, type PodIdentity } from "./pki/pod-identity.js";
export { createCsr, parseCsr, type CreatedCsr, type ParsedCsr } from "./pki/csr.js";
export { verifyCertificate, type VerifyInput, type VerifyReport, type Purpose } from "./pki/verify.js";
export { matchPeerName, checkPeerName, looksLikeIp, peerHost, type PeerNameVerdict } from "./pki/peer-name.js";
export { inspectText, type Inspected } from "./pki/inspect.js";
export { KEY_TYPES, parseKeyType, type KeyType } from "./pki/key-types.js";
export type { San } from "./pki/san.js";
export { readCaDir, readCaFiles } from "./io/ca-dir.js";
export { writeFilesAtomically, type FileToWrite } from "./io/secure-files.js";
export { readRayTlsEnv, RAY_MISSING_TLS_VARS, type RayTlsEnv } from "./ray/tls-env.js";
export { checkRayEnv, type EnvReport, type EnvFinding } from "./ray/env-check.js";
// Kubernetes (issue 4): KubeRay naming, manifest builders, CRD validation, lint.
export { headServiceName, headFqdn, headShortName, DEFAULT_CLUSTER_DOMAIN } from "./k8s/kuberay-names.js";
export { buildManifest, manifestYaml, manifestFiles, type ManifestOptions, type Manifest } from "./k8s/manifest.js";
export { buildRayCluster, rayTlsEnv, type WorkerGroup, type ClusterMode } from "./k8s/raycluster-builder.js";
export { gencertScript, seedScripts } from "./k8s/seed-scripts.js";
export { loadCrd, type CrdValidator } from "./k8s/crd-schema.js";
export { lintFiles, RULE_INFO, type LintReport, type LintFinding } from "./k8s/lint/lint.js";
// Ray on the wire (issue 3): health check, the local lab and demo (its nodes: raytls/experimental).
export { healthCheck, HEALTH_PROTOCOLS, type HealthCheckOptions, type HealthCheckResult, type HealthProtocol } from "./ray/health-check.js";
export { rayServerCredentials } from "./ray/server-credentials.js";
export { loadTls, type TlsFiles } from "./ray/tls-material.js";
export type { ClientTls } from "./ray/client-tls.js";
export { probeTls, type ProbeReport } from "./ray/tls-probe.js";
export { labUp, labStatus, labDown, type LabUpOptions, type LabStatus } from "./lab/lab.js";
export { labExec, type LabExecOptions, type LabExecResult } from "./lab/lab-exec.js";
export { findRay, type RayRuntime } from "./lab/ray-runtime.js";
export { runDemo, type DemoReport, type DemoStep } from "./lab/demo.js";
// The signer (issue 5): the CA-holding issuing service, its policy and its client.
export { startSigner, type SignerOptions, type SignerLimits, type RunningSigner } from "./signer/server.js";
export { requestCertificate, fetchPodCertificate, checkIssuedCertificate, type SignClientOptions, type PodCertificate } from "./signer/client.js";
export { decideSans, roleForAuthorization, signerTokens, type NamePolicy } from "./signer/policy.js";
export { handleSignRequest, type SignResponse } from "./signer/sign-request.js";
export { fileAuditSink, memoryAuditSink, streamAuditSink, type AuditRecord, type AuditSink } from "./signer/audit.js";
export { summarizingAuditSink, type AuditRateOptions } from "./signer/audit-summary.js";
export { signerNames, signerUrl } from "./k8s/signer-resources.js";
