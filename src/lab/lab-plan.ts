/**
 * What a local Ray cluster looks like before anything starts: pods, their IPs, their names and
 * the environment KubeRay would give each Ray container (facts section 4), with Ray's TLS
 * variables as in the seed's Step 3. Pure.
 *
 * - loopback mode (no root): every pod on its own 127.0.0.0/8 address (head 127.0.0.2, workers
 *   .3, .4, ...); the head's Kubernetes names reach it through RAYTLS_HOSTS.
 * - netns mode (root): every pod in its own network namespace on a private bridge,
 *   10.244.0.0/24 (head .2), names from /etc/netns/<ns>/hosts as Kubernetes DNS would give them.
 *
 * With `signer`, the CA key lives only in DIR/signer (read by a `raytls signer serve` process: on
 * 127.0.0.1 in loopback mode, in its own namespace at 10.244.0.1 in netns mode), and each pod's
 * init step gets its certificate from it with its role's token (DIR/pods/<pod>/init/token) and
 * the CA certificate (DIR/pods/<pod>/init/ca.crt), as `manifest --mode signer`'s init containers do.
 */
import { join } from "node:path";
import { RaytlsError } from "../errors.js";
import { headFqdn, headShortName } from "../k8s/kuberay-names.js";

export type LabMode = "loopback" | "netns";

export interface PodPlan {
  /** "head", "worker-1", ... */
  name: string;
  role: "head" | "worker";
  ip: string;
  /** Head: the GCS port; workers: 0 (any free port). */
  port: number;
  /** Network namespace (netns mode). */
  netns?: string;
  /** DIR/pods/<name>/tls: tls.crt, tls.key, ca.crt (the seed's /etc/ray/tls). */
  tlsDir: string;
  log: string;
  env: Record<string, string>;
  /** Signer mode: what the pod's init step mounts (the token Secret, the ca.crt ConfigMap). */
  init?: { tokenFile: string; caCert: string };
}

/** The signer of a `--signer` lab: the only holder of the CA key. */
export interface SignerPlan {
  /** Address it listens on (its own IP in netns mode). */
  ip: string;
  /** 0: any free port (loopback); the URL is read from its log. */
  port: number;
  netns?: string;
  /** DIR/signer: ca.crt, ca.key (0400), head.token, worker.token (0600), audit.log. */
  dir: string;
  caCert: string;
  caKey: string;
  headTokenFile: string;
  workerTokenFile: string;
  auditLog: string;
  log: string;
  /** DNS names a head may also get (the short Service name: the seed's fix, DNS.3 = $RAY_IP). */
  headDns: string[];
}

export interface LabPlan {
  name: string;
  namespace: string;
  mode: LabMode;
  dir: string;
  port: number;
  headFqdn: string;
  headShort: string;
  /** Netns holding the bridge (netns mode). */
  bridgeNetns?: string;
  pods: PodPlan[];
  /** Signer mode. */
  signer?: SignerPlan;
}

export interface PlanOptions {
  name: string;
  namespace: string;
  workers: number;
  mode: LabMode;
  dir: string;
  /** Default 6379. */
  port?: number;
  /** loopback mode: first address; default 127.0.0.2. */
  loopbackBase?: string;
  /**
   * loopback mode: every pod on `loopbackBase` itself (workers on their own ports), for systems
   * that configure only 127.0.0.1 (macOS). Default false.
   */
  sharedAddress?: boolean;
  /** The secure mode: a signer holds the CA key; pods ask it for their certificates. Default false. */
  signer?: boolean;
}

/** Namespace names carry this prefix, so cleanup never touches anyone else's. */
export function netnsPrefix(name: string): string {
  return `raytls-${name}-`;
}

function nthAddress(base: string, n: number): string {
  const parts = base.split(".").map(Number);
  const last = parts[3]! + n;
  if (last > 254) {
    throw new RaytlsError("too-many-pods", `workers: worker ${n} would need address ${parts[0]}.${parts[1]}.${parts[2]}.${last}, past .254 of ${base}'s /24`, {
      hint: `use at most ${254 - parts[3]!} workers with this first address, or a first address lower in its /24`,
      field: "workers",
    });
  }
  return `${parts[0]}.${parts[1]}.${parts[2]}.${last}`;
}

export function planLab(o: PlanOptions): LabPlan {
  const port = o.port ?? 6379;
  const fqdn = headFqdn(o.name, o.namespace);
  const short = headShortName(o.name);
  const base = o.mode === "netns" ? "10.244.0.2" : (o.loopbackBase ?? "127.0.0.2");
  const headIp = base;
  const pods: PodPlan[] = [];
  for (let i = 0; i <= o.workers; i++) {
    const role = i === 0 ? "head" : "worker";
    const name = i === 0 ? "head" : `worker-${i}`;
    const ip = o.sharedAddress && o.mode === "loopback" ? base : nthAddress(base, i);
    const tlsDir = join(o.dir, "pods", name, "tls");
    const env: Record<string, string> = {
      RAY_USE_TLS: "1",
      RAY_TLS_SERVER_CERT: join(tlsDir, "tls.crt"),
      RAY_TLS_SERVER_KEY: join(tlsDir, "tls.key"),
      RAY_TLS_CA_CERT: join(tlsDir, "ca.crt"),
      POD_IP: ip,
      FQ_RAY_IP: fqdn,
      RAY_IP: short,
      // KubeRay: the head talks to itself on 127.0.0.1, workers dial the head Service FQDN. On
      // loopback addresses the head listens on its own 127.0.0.x only, so that is its address.
      RAY_ADDRESS: role === "head" ? `${o.mode === "loopback" ? ip : "127.0.0.1"}:${port}` : `${fqdn}:${port}`,
    };
    if (o.mode === "loopback") env.RAYTLS_HOSTS = `${fqdn}=${headIp},${short}=${headIp}`;
    pods.push({
      name,
      role,
      ip,
      port: role === "head" ? port : 0,
      ...(o.mode === "netns" ? { netns: `${netnsPrefix(o.name)}${name}` } : {}),
      tlsDir,
      log: join(o.dir, "logs", `${name}.log`),
      env,
      ...(o.signer ? { init: { tokenFile: join(o.dir, "pods", name, "init", "token"), caCert: join(o.dir, "pods", name, "init", "ca.crt") } } : {}),
    });
  }
  return {
    name: o.name,
    namespace: o.namespace,
    mode: o.mode,
    dir: o.dir,
    port,
    headFqdn: fqdn,
    headShort: short,
    ...(o.mode === "netns" ? { bridgeNetns: `${netnsPrefix(o.name)}net` } : {}),
    pods,
    ...(o.signer ? { signer: planSigner(o, short) } : {}),
  };
}

function planSigner(o: PlanOptions, short: string): SignerPlan {
  const dir = join(o.dir, "signer");
  return {
    ip: o.mode === "netns" ? "10.244.0.1" : "127.0.0.1",
    port: o.mode === "netns" ? 8443 : 0,
    ...(o.mode === "netns" ? { netns: `${netnsPrefix(o.name)}signer` } : {}),
    dir,
    caCert: join(dir, "ca.crt"),
    caKey: join(dir, "ca.key"),
    headTokenFile: join(dir, "head.token"),
    workerTokenFile: join(dir, "worker.token"),
    auditLog: join(dir, "audit.log"),
    log: join(o.dir, "logs", "signer.log"),
    headDns: [short],
  };
}
