/**
 * The seed's Step 1-3 and Step 2 resources: the CA Secret and the ConfigMap with the scripts.
 * Pure builders: values in, Kubernetes objects out.
 */
import { objectMeta } from "./object-meta.js";
import { seedScripts, type SeedScriptOptions } from "./seed-scripts.js";

/** The Secret name the seed uses (`kubectl create secret generic ca-tls ...`): raytls's only with --ca-secret ca-tls. */
export const SEED_CA_SECRET_NAME = "ca-tls";

/**
 * The CA Secret of RayCluster `clusterName`: named after the cluster (issue 11), so two clusters in
 * one namespace never overwrite each other's CA as the seed's fixed `ca-tls` would.
 */
export function caSecretName(clusterName: string): string {
  return `${clusterName}-ca-tls`;
}

/** The ConfigMap with `gencert_head.sh` and `gencert_worker.sh` for RayCluster `clusterName`. */
export function scriptsConfigMapName(clusterName: string): string {
  return `${clusterName}-tls-scripts`;
}

export interface CaSecretOptions {
  namespace: string;
  caCertPem: string;
  caKeyPem: string;
  name: string;
  labels?: Record<string, string>;
}

/**
 * The CA Secret. Its `data` is exactly what
 * `kubectl create secret generic ca-tls --from-file=ca.crt --from-file=ca.key` produces: the files'
 * bytes, base64-encoded, keys named after the files.
 */
export function buildCaSecret(o: CaSecretOptions): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: objectMeta(o.name, o.namespace, o.labels),
    type: "Opaque",
    data: {
      "ca.crt": Buffer.from(o.caCertPem, "utf8").toString("base64"),
      "ca.key": Buffer.from(o.caKeyPem, "utf8").toString("base64"),
    },
  };
}

export interface ScriptsConfigMapOptions extends SeedScriptOptions {
  clusterName: string;
  namespace: string;
  labels?: Record<string, string>;
}

export function buildScriptsConfigMap(o: ScriptsConfigMapOptions): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: objectMeta(scriptsConfigMapName(o.clusterName), o.namespace, o.labels),
    data: seedScripts(o),
  };
}
