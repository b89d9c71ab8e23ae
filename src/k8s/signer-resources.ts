/**
 * `raytls manifest --mode signer` (issue 5): the signer's own resources. The CA key is in one
 * Secret mounted by the signer Deployment only; Ray pods get `ca.crt` from a ConfigMap and their
 * role's token from a Secret mounted into their certificate init container only. Pure builders.
 */
import { headFqdn } from "./kuberay-names.js";

export const SIGNER_PORT = 8443;
/** The image user of the raytls Dockerfile (node:20-bookworm-slim's `node`). */
export const RAYTLS_UID = 1000;
export const DEFAULT_RAYTLS_IMAGE = "raytls:0.1.0";

/** Names of the signer's resources for RayCluster `cluster`. */
export function signerNames(cluster: string) {
  return {
    deployment: `${cluster}-signer`,
    service: `${cluster}-signer`,
    caSecret: `${cluster}-signer-ca`,
    headTokenSecret: `${cluster}-signer-head-token`,
    workerTokenSecret: `${cluster}-signer-worker-token`,
    caConfigMap: `${cluster}-ca`,
    networkPolicy: `${cluster}-signer`,
  };
}

/** The URL pods use: the signer Service's FQDN, one of its serving certificate's names. */
export function signerUrl(cluster: string, namespace: string, clusterDomain: string): string {
  return `https://${signerServiceFqdn(cluster, namespace, clusterDomain)}:${SIGNER_PORT}`;
}

export function signerServiceFqdn(cluster: string, namespace: string, clusterDomain: string): string {
  return `${signerNames(cluster).service}.${namespace}.svc.${clusterDomain}`;
}

export interface SignerResourceOptions {
  cluster: string;
  namespace: string;
  clusterDomain: string;
  caCertPem: string;
  caKeyPem: string;
  headToken: string;
  workerToken: string;
  /** The raytls image. Default is raytls:0.1.0 (the Dockerfile's tag). */
  image?: string;
  /** Extra DNS names a head may get (e.g. the short head Service name). */
  headDns?: string[];
  labels?: Record<string, string>;
}

const meta = (name: string, o: SignerResourceOptions, extra: Record<string, string> = {}) => ({
  name,
  namespace: o.namespace,
  labels: { ...(o.labels ?? {}), ...extra },
});

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

export function buildSignerCaSecret(o: SignerResourceOptions): Record<string, unknown> {
  return { apiVersion: "v1", kind: "Secret", metadata: meta(signerNames(o.cluster).caSecret, o), type: "Opaque", data: { "ca.crt": b64(o.caCertPem), "ca.key": b64(o.caKeyPem) } };
}

export function buildTokenSecret(o: SignerResourceOptions, role: "head" | "worker"): Record<string, unknown> {
  const n = signerNames(o.cluster);
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: meta(role === "head" ? n.headTokenSecret : n.workerTokenSecret, o),
    type: "Opaque",
    data: { token: b64(role === "head" ? o.headToken : o.workerToken) },
  };
}

export function buildCaConfigMap(o: SignerResourceOptions): Record<string, unknown> {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: meta(signerNames(o.cluster).caConfigMap, o), data: { "ca.crt": o.caCertPem } };
}

const selector = (o: SignerResourceOptions) => ({ "app.kubernetes.io/name": signerNames(o.cluster).deployment, "app.kubernetes.io/component": "signer" });

export function buildSignerDeployment(o: SignerResourceOptions): Record<string, unknown> {
  const n = signerNames(o.cluster);
  const svc = n.service;
  const fqdn = headFqdn(o.cluster, o.namespace, o.clusterDomain);
  const probe = { httpGet: { path: "/healthz", port: SIGNER_PORT, scheme: "HTTPS" }, periodSeconds: 10 };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta(n.deployment, o),
    spec: {
      // Stateless (random serials, no database): more replicas are fine; one is enough for a cluster.
      replicas: 1,
      selector: { matchLabels: selector(o) },
      template: {
        metadata: { labels: { ...(o.labels ?? {}), ...selector(o) } },
        spec: {
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: RAYTLS_UID, runAsGroup: RAYTLS_UID, fsGroup: RAYTLS_UID, seccompProfile: { type: "RuntimeDefault" } },
          containers: [
            {
              name: "signer",
              image: o.image ?? DEFAULT_RAYTLS_IMAGE,
              command: [
                "raytls", "signer", "serve", "--ca-dir", "/etc/raytls/ca", "--listen", `0.0.0.0:${SIGNER_PORT}`,
                "--head-token-file", "/etc/raytls/head-token/token", "--worker-token-file", "/etc/raytls/worker-token/token",
                "--head-fqdn", fqdn, ...(o.headDns ?? []).flatMap((d) => ["--head-dns", d]),
                "--serving-dns", `${svc}.${o.namespace}.svc.${o.clusterDomain}`, "--serving-dns", `${svc}.${o.namespace}.svc`, "--serving-dns", `${svc}.${o.namespace}`, "--serving-dns", svc,
                // One JSON line per decision on stdout: the container log is the audit log.
                "--audit-log", "-",
              ],
              ports: [{ name: "https", containerPort: SIGNER_PORT }],
              readinessProbe: probe,
              livenessProbe: { ...probe, initialDelaySeconds: 5 },
              resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "1", memory: "256Mi" } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
              volumeMounts: [
                { name: "signer-ca", mountPath: "/etc/raytls/ca", readOnly: true },
                { name: "head-token", mountPath: "/etc/raytls/head-token", readOnly: true },
                { name: "worker-token", mountPath: "/etc/raytls/worker-token", readOnly: true },
              ],
            },
          ],
          volumes: [
            { name: "signer-ca", secret: { secretName: n.caSecret, defaultMode: 0o400 } },
            { name: "head-token", secret: { secretName: n.headTokenSecret, defaultMode: 0o400 } },
            { name: "worker-token", secret: { secretName: n.workerTokenSecret, defaultMode: 0o400 } },
          ],
        },
      },
    },
  };
}

export function buildSignerService(o: SignerResourceOptions): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(signerNames(o.cluster).service, o),
    spec: { type: "ClusterIP", selector: selector(o), ports: [{ name: "https", port: SIGNER_PORT, targetPort: "https", protocol: "TCP" }] },
  };
}

/** Only this RayCluster's pods (KubeRay labels them `ray.io/cluster: <name>`) may reach the signer. */
export function buildSignerNetworkPolicy(o: SignerResourceOptions): Record<string, unknown> {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: meta(signerNames(o.cluster).networkPolicy, o),
    spec: {
      podSelector: { matchLabels: selector(o) },
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ podSelector: { matchLabels: { "ray.io/cluster": o.cluster } } }], ports: [{ protocol: "TCP", port: SIGNER_PORT }] }],
    },
  };
}
