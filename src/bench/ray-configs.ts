/**
 * The configurations `raytls bench ray` alternates, all on the same two pods: plaintext
 * (RAY_USE_TLS=0); raytls mTLS with its defaults (ECDSA P-256, from the lab's PKI); the seed's own
 * RSA-2048 certificates, made as the seed makes them (its Step 1 CA command, then the Step 2
 * gencert scripts as raytls renders them, run with openssl per pod); and the knobs, each a
 * variant of mTLS with one setting changed.
 */
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { RaytlsError } from "../errors.js";
import { gencertScript } from "../k8s/seed-scripts.js";
import { makeLabPki } from "../lab/lab-pki.js";
import type { LabPlan, PodPlan } from "../lab/lab-plan.js";

const run = promisify(execFile);

export type ConfigName = "plaintext" | "mtls" | "seedRsa" | `knob-${string}`;

export interface RayBenchConfig {
  name: ConfigName;
  /** What it is, for the report. */
  what: string;
  /** Environment for every process of a pod (Ray and drivers). */
  env(pod: PodPlan): Record<string, string>;
  /**
   * A knob: one setting on top of `base` (mTLS, or plaintext to tell whether a setting narrows the
   * gap or speeds up both). Its workload is the objects only (with the cluster start), to keep the
   * run short.
   */
  knob?: { setting: string; base: "mtls" | "plaintext"; objectsOnly: boolean };
}

/** Ray's TLS variables for the certificate files in `dir` (tls.crt, tls.key, ca.crt). */
export function tlsEnv(dir: string): Record<string, string> {
  return { RAY_USE_TLS: "1", RAY_TLS_SERVER_CERT: join(dir, "tls.crt"), RAY_TLS_SERVER_KEY: join(dir, "tls.key"), RAY_TLS_CA_CERT: join(dir, "ca.crt") };
}

/** The seed's Step 1 (RSA-2048 CA, its own openssl command) and Step 2 for every pod. */
async function makeSeedRsa(plan: LabPlan): Promise<(pod: PodPlan) => string> {
  const caDir = join(plan.dir, "seed-ca");
  mkdirSync(caDir, { recursive: true, mode: 0o700 });
  try {
    await run("openssl", ["req", "-x509", "-sha256", "-days", "3650", "-nodes", "-newkey", "rsa:2048", "-subj", "/CN=*.kuberay.com/C=US/L=San Francisco", "-keyout", join(caDir, "ca.key"), "-out", join(caDir, "ca.crt")]);
    const dirOf = (pod: PodPlan) => join(plan.dir, "pods", pod.name, "tls-seed-rsa");
    for (const pod of plan.pods) {
      const script = join(plan.dir, "pods", pod.name, `gencert_${pod.role}.sh`);
      writeFileSync(script, gencertScript(pod.role, { keyType: "rsa-2048" }), { mode: 0o700 });
      await run("sh", [script], { env: { PATH: "/usr/bin:/bin", TLS_DIR: dirOf(pod), CA_DIR: caDir, POD_IP: pod.ip, FQ_RAY_IP: plan.headFqdn } });
    }
    return dirOf;
  } catch (err) {
    throw new RaytlsError("bench-seed-certs", `making the seed's RSA-2048 certificates failed: ${(err as Error).message}`, { kind: "check", hint: "the bench needs the openssl CLI", cause: err });
  }
}

/**
 * The knobs measured beside the three configurations. Each names the setting and what it changes;
 * the report says what each did, and only what the numbers support is recommended.
 */
export const KNOBS: Array<{ name: `knob-${string}`; setting: Record<string, string>; what: string; base?: "plaintext" }> = [
  {
    name: "knob-aes128",
    // gRPC C-core applies this list to TLS 1.2 only (SSL_CTX_set_cipher_list); TLS 1.3 suites are fixed.
    setting: { GRPC_SSL_CIPHER_SUITES: "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256" },
    what: "mTLS, GRPC_SSL_CIPHER_SUITES with AES-128-GCM only",
  },
  // Ray's object manager (names checked with `strings` on Ray 2.58's raylet; defaults from
  // ray_config_def.h): an object goes as chunks of object_manager_default_chunk_size (5 MiB), each
  // one Push RPC, at most object_manager_max_bytes_in_flight (2 GiB) outstanding, served by
  // object_manager_rpc_threads_num threads (0: min(max(2, CPUs / 4), 8), so 2 on a 1-CPU pod),
  // over object_manager_client_connection_num channels to each remote node. Measured before and
  // left out to keep the bench under 15 minutes: 16 MiB chunks (20-30% slower at 16-256 MiB), one
  // RPC thread (about 20% slower at 64-256 MiB), object_manager_client_connection_num=1 (one TLS
  // connection per peer, as plaintext's channels share one: 0.88-1.43x, no consistent effect).
  {
    name: "knob-chunk2",
    setting: { RAY_object_manager_default_chunk_size: String(2 * 1024 * 1024) },
    what: "mTLS, RAY_object_manager_default_chunk_size=2 MiB",
  },
  {
    name: "knob-plain-chunk2",
    // The same setting without TLS: does it narrow the gap, or make both faster?
    setting: { RAY_object_manager_default_chunk_size: String(2 * 1024 * 1024) },
    what: "plaintext, RAY_object_manager_default_chunk_size=2 MiB",
    base: "plaintext",
  },
  {
    name: "knob-chunk1",
    setting: { RAY_object_manager_default_chunk_size: String(1024 * 1024) },
    what: "mTLS, RAY_object_manager_default_chunk_size=1 MiB",
  },
  {
    name: "knob-inflight",
    // Four 5 MiB chunks outstanding instead of every chunk of the object at once.
    setting: { RAY_object_manager_max_bytes_in_flight: String(20 * 1024 * 1024) },
    what: "mTLS, RAY_object_manager_max_bytes_in_flight=20 MiB",
  },
  {
    name: "knob-rpc4",
    setting: { RAY_object_manager_rpc_threads_num: "4" },
    what: "mTLS, RAY_object_manager_rpc_threads_num=4",
  },
];

export async function makeConfigs(plan: LabPlan, o: { knobs: boolean }): Promise<RayBenchConfig[]> {
  await makeLabPki(plan);
  const seedDir = await makeSeedRsa(plan);
  const mtls = (pod: PodPlan) => tlsEnv(pod.tlsDir);
  const configs: RayBenchConfig[] = [
    { name: "plaintext", what: "plaintext (RAY_USE_TLS=0)", env: () => ({ RAY_USE_TLS: "0" }) },
    { name: "mtls", what: "raytls mTLS, defaults (ECDSA P-256)", env: mtls },
    { name: "seedRsa", what: "the seed's RSA-2048 certificates (its gencert scripts)", env: (pod) => tlsEnv(seedDir(pod)) },
  ];
  if (o.knobs) {
    for (const k of KNOBS) {
      const base = k.base ?? "mtls";
      const baseEnv = base === "mtls" ? mtls : () => ({ RAY_USE_TLS: "0" });
      configs.push({ name: k.name, what: k.what, env: (pod) => ({ ...baseEnv(pod), ...k.setting }), knob: { setting: Object.entries(k.setting).map(([a, b]) => `${a}=${b}`).join(" "), base, objectsOnly: true } });
    }
  }
  return configs;
}
