/**
 * What `buildManifest` takes and returns. A file of its own so manifest.ts (which calls each mode's
 * builder) and signer-manifest.ts (one mode's builder) do not import each other (issue 12 section 3).
 */
import type { ClusterMode, WorkerGroup } from "./raycluster-builder.js";
import type { ScriptKeyType } from "./seed-scripts.js";

export interface ManifestOptions {
  name: string;
  namespace: string;
  mode: ClusterMode;
  clusterDomain: string;
  rayVersion?: string;
  image?: string;
  workerGroups?: WorkerGroup[];
  autoscaler?: boolean;
  /** seed mode: key type of the pod keys the scripts make. Default is "ecdsa-p256". */
  keyType?: ScriptKeyType;
  /** seed mode: extra DNS SANs for the head certificate. */
  headDns?: string[];
  /** seed mode: the CA Secret's name. Default is `<name>-ca-tls`; the seed's own is "ca-tls". */
  caSecretName?: string;
  /** seed and signer mode: the CA that signs the pod certificates. */
  ca?: { caCertPem: string; caKeyPem: string };
  /** signer mode: the raytls image, the two role tokens (random, made by the caller), a NetworkPolicy. */
  signer?: { image?: string; headToken: string; workerToken: string; networkPolicy?: boolean };
}

export interface ManifestResource {
  kind: string;
  name: string;
  /** File name used with `--out DIR`. */
  fileName: string;
  /** File mode with `--out DIR`: 0600 for the Secret (it holds the CA key), 0644 otherwise. */
  fileMode: number;
  value: Record<string, unknown>;
  comment?: string;
}

export interface Manifest {
  resources: ManifestResource[];
  /** Things the user must know (prerequisites); the CLI prints them on stderr. */
  notes: string[];
  headFqdn: string;
}
