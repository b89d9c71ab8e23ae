/**
 * The RayCluster (`ray.io/v1`) for each manifest mode. Pure: values in, object out.
 *
 * seed mode (the seed's Step 3, made safe): every pod runs an init container that makes the pod's
 * own key and certificate into the `ray-tls` emptyDir; the CA Secret is mounted into that init
 * container only, so the long-running Ray containers (and the autoscaler) never see `ca.key`. They
 * mount only `ray-tls` and get RAY_USE_TLS=1 and the three RAY_TLS_* paths (facts section 1).
 *
 * kuberay-mtls mode: `spec.tlsOptions.enabled: true` (KubeRay >= 1.7, feature gate RayClusterMTLS,
 * cert-manager); the operator injects env and mounts itself and rejects user-set RAY_TLS_* env and
 * `/etc/ray/tls` mounts (facts section 4), so none are written.
 *
 * signer mode (issue 5): as seed, but the init container runs `raytls pod-cert --signer` with its
 * role's token and `ca.crt` only; no CA key is mounted into any Ray pod.
 */
import { objectMeta } from "./object-meta.js";
import { RaytlsError } from "../errors.js";
import { HEAD_PORTS } from "./kuberay-names.js";
import { DEFAULT_CA_DIR, DEFAULT_TLS_DIR, HEAD_SCRIPT, WORKER_SCRIPT } from "./seed-scripts.js";

export type ClusterMode = "seed" | "kuberay-mtls" | "signer";

/** signer mode: how the init containers reach the signer and what they mount. */
export interface SignerInit {
  /** https://<signer service FQDN>:8443 */
  url: string;
  /** The raytls image. */
  image: string;
  headTokenSecret: string;
  workerTokenSecret: string;
  /** ConfigMap with ca.crt. */
  caConfigMap: string;
  headFqdn: string;
  headDns?: string[];
  /** Pod key type, when not the default ecdsa-p256. */
  keyType?: string;
}

export interface WorkerGroup {
  name: string;
  replicas: number;
  minReplicas: number;
  maxReplicas: number;
}

export interface RayClusterOptions {
  name: string;
  namespace: string;
  mode: ClusterMode;
  /** Default is "2.52.0". */
  rayVersion?: string;
  /** Default is `rayproject/ray:<rayVersion>`. */
  image?: string;
  /** Default is one group `workers` with 1 replica (min 1, max 5). */
  workerGroups?: WorkerGroup[];
  /** In-tree autoscaling, with the same TLS env and mounts on the autoscaler. Default is false. */
  autoscaler?: boolean;
  /** seed mode: the CA Secret's name. */
  caSecretName?: string;
  /** seed mode: the ConfigMap with the scripts. */
  scriptsConfigMapName?: string;
  labels?: Record<string, string>;
  /** signer mode: the signer and the init containers' mounts. */
  signer?: SignerInit;
}

export const DEFAULT_RAY_VERSION = "2.52.0";
export const DEFAULT_WORKER_GROUP: WorkerGroup = { name: "workers", replicas: 1, minReplicas: 1, maxReplicas: 5 };

/** Volume names and mount paths shared by the builder and the lint rules' tests. */
export const VOLUMES = { caTls: "ca-tls", rayTls: "ray-tls", scripts: "gen-tls-script", signerToken: "signer-token", caCert: "raytls-ca" } as const;
export const SCRIPTS_DIR = "/etc/gen/tls";

/** The env that turns on TLS in Ray, pointing into the `ray-tls` emptyDir (facts section 1). */
export function rayTlsEnv(tlsDir: string = DEFAULT_TLS_DIR): Array<{ name: string; value: string }> {
  return [
    { name: "RAY_USE_TLS", value: "1" },
    { name: "RAY_TLS_SERVER_CERT", value: `${tlsDir}/tls.crt` },
    { name: "RAY_TLS_SERVER_KEY", value: `${tlsDir}/tls.key` },
    { name: "RAY_TLS_CA_CERT", value: `${tlsDir}/ca.crt` },
  ];
}

// The rayproject/ray images run as user `ray` (uid 1000, gid 100 "users"). With fsGroup 100 the
// kubelet makes the 0400 Secret files group-readable (0440) for that group and gives the emptyDir
// to it, so the init container can read ca.key without the Secret being world-readable.
const RAY_IMAGE_GID = 100;

export function buildRayCluster(o: RayClusterOptions): Record<string, unknown> {
  const rayVersion = o.rayVersion ?? DEFAULT_RAY_VERSION;
  const image = o.image ?? `rayproject/ray:${rayVersion}`;
  const groups = o.workerGroups && o.workerGroups.length > 0 ? o.workerGroups : [DEFAULT_WORKER_GROUP];
  // Both seed and signer mode manage RAY_USE_TLS and the files themselves.
  const seed = o.mode === "seed" || o.mode === "signer";
  const spec: Record<string, unknown> = { rayVersion };
  if (!seed) spec.tlsOptions = { enabled: true };
  if (o.autoscaler) {
    spec.enableInTreeAutoscaling = true;
    spec.autoscalerOptions = {
      upscalingMode: "Default",
      idleTimeoutSeconds: 60,
      ...(seed ? { env: rayTlsEnv(), volumeMounts: [{ name: VOLUMES.rayTls, mountPath: DEFAULT_TLS_DIR, readOnly: true }] } : {}),
    };
  }
  spec.headGroupSpec = {
    rayStartParams: {},
    template: podTemplate(o, image, "head"),
  };
  spec.workerGroupSpecs = groups.map((g) => ({
    groupName: g.name,
    replicas: g.replicas,
    minReplicas: g.minReplicas,
    maxReplicas: g.maxReplicas,
    rayStartParams: {},
    template: podTemplate(o, image, "worker"),
  }));
  return {
    apiVersion: "ray.io/v1",
    kind: "RayCluster",
    metadata: objectMeta(o.name, o.namespace, o.labels),
    spec,
  };
}

function podTemplate(o: RayClusterOptions, image: string, role: "head" | "worker"): Record<string, unknown> {
  const rayContainer: Record<string, unknown> = {
    name: role === "head" ? "ray-head" : "ray-worker",
    image,
  };
  if (role === "head") {
    rayContainer.ports = [
      { containerPort: HEAD_PORTS.gcs, name: "gcs" },
      { containerPort: HEAD_PORTS.dashboard, name: "dashboard" },
      { containerPort: HEAD_PORTS.client, name: "client" },
    ];
  }
  rayContainer.resources =
    role === "head"
      ? { requests: { cpu: "1", memory: "2Gi" }, limits: { memory: "4Gi" } }
      : { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "2Gi" } };
  if (o.mode === "kuberay-mtls") {
    return { spec: { containers: [rayContainer] } };
  }
  rayContainer.env = rayTlsEnv();
  // Ray only reads its certificate, key and ca.crt: read-only, and nothing else from the CA.
  rayContainer.volumeMounts = [{ name: VOLUMES.rayTls, mountPath: DEFAULT_TLS_DIR, readOnly: true }];
  if (o.mode === "signer") return signerPodSpec(o, rayContainer, role);
  const script = role === "head" ? HEAD_SCRIPT : WORKER_SCRIPT;
  const init = {
    name: role === "head" ? "ray-head-tls" : "ray-worker-tls",
    image,
    command: ["/bin/sh", `${SCRIPTS_DIR}/${script}`],
    // KubeRay injects FQ_RAY_IP (and RAY_IP) into init containers itself; POD_IP is ours to set.
    env: [
      { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
      { name: "TLS_DIR", value: DEFAULT_TLS_DIR },
      { name: "CA_DIR", value: DEFAULT_CA_DIR },
    ],
    volumeMounts: [
      { name: VOLUMES.caTls, mountPath: DEFAULT_CA_DIR, readOnly: true },
      { name: VOLUMES.rayTls, mountPath: DEFAULT_TLS_DIR },
      { name: VOLUMES.scripts, mountPath: SCRIPTS_DIR, readOnly: true },
    ],
    resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "128Mi" } },
  };
  return tlsPodSpec(init, rayContainer, [
    { name: VOLUMES.caTls, secret: { secretName: o.caSecretName ?? `${o.name}-ca-tls`, defaultMode: 0o400 } },
    {
      name: VOLUMES.scripts,
      configMap: {
        name: o.scriptsConfigMapName ?? `${o.name}-tls-scripts`,
        defaultMode: 0o555,
        items: [{ key: script, path: script }],
      },
    },
  ]);
}

/** A Ray pod whose init container fills the `ray-tls` volume the Ray container reads. */
function tlsPodSpec(init: Record<string, unknown>, rayContainer: Record<string, unknown>, volumes: Array<Record<string, unknown>>): Record<string, unknown> {
  return {
    spec: {
      securityContext: { fsGroup: RAY_IMAGE_GID },
      initContainers: [init],
      containers: [rayContainer],
      volumes: [
        ...volumes,
        // Memory-backed: the pod's private key never touches the node's disk.
        { name: VOLUMES.rayTls, emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
      ],
    },
  };
}

const SIGNER_TOKEN_DIR = "/etc/raytls/token";
const SIGNER_CA_DIR = "/etc/raytls/ca";

/** signer mode: the init container asks the signer; it sees its role's token and ca.crt, never ca.key. */
function signerPodSpec(o: RayClusterOptions, rayContainer: Record<string, unknown>, role: "head" | "worker"): Record<string, unknown> {
  const s = o.signer;
  if (!s) {
    throw new RaytlsError("missing-option", "signer: buildRayCluster's signer mode needs the signer options", {
      hint: "pass signer: { url, image, headTokenSecret, workerTokenSecret, caConfigMap, headFqdn, headDns }",
      field: "signer",
    });
  }
  const init = {
    name: role === "head" ? "ray-head-tls" : "ray-worker-tls",
    image: s.image,
    command: [
      "raytls", "pod-cert", "--role", role, "--signer", s.url,
      "--token-file", `${SIGNER_TOKEN_DIR}/token`, "--ca-cert", `${SIGNER_CA_DIR}/ca.crt`, "--out", DEFAULT_TLS_DIR,
      // A re-run over the surviving emptyDir (init container restart) keeps a fitting certificate
      // and replaces one that no longer fits, instead of refusing and crash-looping (issue 11).
      "--renew",
      ...(role === "head" ? ["--head-fqdn", s.headFqdn, ...(s.headDns ?? []).flatMap((d) => ["--dns", d])] : []),
      ...(s.keyType && s.keyType !== "ecdsa-p256" ? ["--key-type", s.keyType] : []),
    ],
    // The signer binds the certificate's IP SAN to the TCP peer address; POD_IP must agree.
    env: [{ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }],
    volumeMounts: [
      { name: VOLUMES.signerToken, mountPath: SIGNER_TOKEN_DIR, readOnly: true },
      { name: VOLUMES.caCert, mountPath: SIGNER_CA_DIR, readOnly: true },
      { name: VOLUMES.rayTls, mountPath: DEFAULT_TLS_DIR },
    ],
    resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } },
    securityContext: { runAsNonRoot: true, runAsUser: 1000, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
  };
  return tlsPodSpec(init, rayContainer, [
    { name: VOLUMES.signerToken, secret: { secretName: role === "head" ? s.headTokenSecret : s.workerTokenSecret, defaultMode: 0o400 } },
    { name: VOLUMES.caCert, configMap: { name: s.caConfigMap, defaultMode: 0o444 } },
  ]);
}
