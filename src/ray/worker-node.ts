/**
 * A Ray-compatible test worker (`raytls node --role worker`): dials the head the way a KubeRay
 * worker does (`$RAY_ADDRESS`, else `$FQ_RAY_IP:6379`, checked by that name), registers its
 * `$POD_IP` and port over raytls.lab.v1, heartbeats, and serves grpc.health.v1 on its pod IP with
 * client certificates required, so the head's dial-back is a real mutual-TLS check.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { Server, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { RaytlsError } from "../errors.js";
import { services } from "./rpc-methods.js";
import { rayServerCredentials } from "./server-credentials.js";
import { RayRpcClient } from "./rpc-client.js";
import { resolveTarget, type HostsOverride } from "./dial-target.js";
import { bindServer } from "./bind-server.js";
import type { ClientTls } from "./client-tls.js";

export interface WorkerOptions {
  /** HOST:PORT of the head's GCS; see headAddressFromEnv. */
  headAddress: string;
  podIp: string;
  /** Where grpc.health is served on the pod IP. Default 0 (a free port). */
  port?: number;
  tls: ClientTls | null;
  hosts?: HostsOverride;
  nodeId?: string;
  log?: (line: string) => void;
}

export interface RunningWorker {
  nodeId: string;
  port: number;
  /** Resolves once the head accepted the registration. */
  registered: Promise<void>;
  close(): Promise<void>;
}

/** `$RAY_ADDRESS`, else `$FQ_RAY_IP:6379` (KubeRay, facts section 4). */
export function headAddressFromEnv(env: NodeJS.ProcessEnv): string {
  if (env.RAY_ADDRESS) return env.RAY_ADDRESS;
  if (env.FQ_RAY_IP) return `${env.FQ_RAY_IP}:6379`;
  throw new RaytlsError("no-head-address", "a worker needs the head's address: RAY_ADDRESS or FQ_RAY_IP is not set", {
    hint: "set RAY_ADDRESS=<FQ_RAY_IP>:6379 (KubeRay sets both for workers) or pass --address",
  });
}

export async function startWorker(o: WorkerOptions): Promise<RunningWorker> {
  const log = o.log ?? (() => {});
  const nodeId = o.nodeId ?? randomBytes(8).toString("hex");
  const server = new Server();
  server.addService(services.health, { Check: (_c: unknown, cb: (e: null, r: unknown) => void) => cb(null, { status: 1 }) } as UntypedServiceImplementation);
  const port = await bindServer(server, o.podIp, o.port ?? 0, rayServerCredentials(o.tls));
  log(`worker ${nodeId} serving grpc.health (${o.tls ? "mTLS" : "plaintext"}) on ${o.podIp}:${port}`);

  const head = new RayRpcClient(resolveTarget(o.headAddress, o.hosts, "RAY_ADDRESS"), o.tls);
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let interval = 500;

  const registerOnce = async (): Promise<void> => {
    const reply = await head.call(
      "register",
      { nodeId, role: "worker", podIp: o.podIp, port, hostname: hostname() },
      { timeoutMs: 3000 },
    );
    interval = reply.heartbeatIntervalMs || 500;
    log(`registered with head ${o.headAddress} (cluster ${reply.clusterId.slice(0, 12)}...)`);
  };

  // Like KubeRay's wait-gcs-ready: keep trying until the head answers.
  const registered = (async () => {
    let delay = 100;
    let lastError = "";
    while (!closed) {
      try {
        await registerOnce();
        return;
      } catch (err) {
        const msg = (err as { details?: string }).details ?? (err as Error).message;
        if (msg !== lastError) log(`head ${o.headAddress} not reachable yet: ${msg}`);
        lastError = msg;
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 2000);
      }
    }
  })();

  const beat = async (): Promise<void> => {
    if (closed) return;
    try {
      const r = await head.call("heartbeat", { nodeId }, { timeoutMs: 2000 });
      if (!r.known) await registerOnce();
    } catch (err) {
      log(`heartbeat failed: ${(err as { details?: string }).details ?? (err as Error).message}`);
    }
    if (!closed) timer = setTimeout(() => void beat(), interval);
  };
  void registered.then(() => {
    if (!closed) timer = setTimeout(() => void beat(), interval);
  });

  return {
    nodeId,
    port,
    registered,
    close: async () => {
      closed = true;
      if (timer) clearTimeout(timer);
      head.close();
      await new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1000).unref();
      });
    },
  };
}
