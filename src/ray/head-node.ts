/**
 * A Ray-compatible test head (`raytls node --role head`): serves the GCS slice a health check
 * uses (proto/ray_gcs_slice.proto), grpc.health.v1, and raytls's own registration service, with
 * TLS exactly as a Ray GCS has it (client certificates required and verified). Registered workers
 * are dialed back at their pod IP, by IP, as a Ray head does.
 */
import { randomBytes } from "node:crypto";
import { Server, status as Status, type ServerUnaryCall, type ServiceDefinition, type sendUnaryData, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { services } from "./rpc-methods.js";
import { rayServerCredentials } from "./server-credentials.js";
import { WorkerRegistry } from "./worker-registry.js";
import { healthCheck } from "./health-check.js";
import { CLUSTER_METADATA_KEY, CLUSTER_METADATA_NAMESPACE, type CheckAliveRequestMsg, type InternalKVGetRequestMsg } from "./gcs-schema.js";
import type { RegisterRequestMsg, HeartbeatRequestMsg } from "./lab-schema.js";
import type { ClientTls } from "./client-tls.js";
import type { HostsOverride } from "./dial-target.js";
import { bindServer } from "./bind-server.js";

export interface HeadOptions {
  /** Default "0.0.0.0". */
  host?: string;
  /** Default 6379 (Ray's GCS port); 0 picks a free port. */
  port?: number;
  tls: ClientTls | null;
  /** Default "2.52.0". */
  rayVersion?: string;
  clusterId?: Buffer;
  heartbeatIntervalMs?: number;
  /** Dial workers back at their pod IP after they register. Default true. */
  dialBack?: boolean;
  hosts?: HostsOverride;
  /** More services on the same server, e.g. the bench's echo (src/bench/echo-service.ts). Default none. */
  services?: ExtraService[];
  log?: (line: string) => void;
}

/** A service a caller adds to the head's server, defined outside src/ray. */
export interface ExtraService {
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
}

export interface RunningHead {
  host: string;
  port: number;
  clusterId: string;
  rayVersion: string;
  registry: WorkerRegistry;
  close(): Promise<void>;
}

/** Ray's StatusCode::NotFound, as the GCS returns it for a missing KV key. */
const RAY_STATUS_NOT_FOUND = 17;
const OK = { code: 0, message: "" };

type Unary<Req, Res> = (call: ServerUnaryCall<Req, Res>, cb: sendUnaryData<Res>) => void;

export async function startHead(o: HeadOptions): Promise<RunningHead> {
  const log = o.log ?? (() => {});
  const rayVersion = o.rayVersion ?? "2.52.0";
  const clusterId = o.clusterId ?? randomBytes(28); // Ray's ClusterID is 28 bytes
  const registry = new WorkerRegistry(o.heartbeatIntervalMs ?? 500);
  const kv = new Map<string, Buffer>([
    [`${CLUSTER_METADATA_NAMESPACE}\0${CLUSTER_METADATA_KEY}`, Buffer.from(JSON.stringify({ ray_version: rayVersion, python_version: "3.11.0", source: "raytls" }))],
  ]);

  const getClusterId: Unary<unknown, unknown> = (_c, cb) => cb(null, { status: OK, clusterId });
  const checkAlive: Unary<CheckAliveRequestMsg, unknown> = (c, cb) =>
    cb(null, { status: OK, rayVersion, rayletAlive: c.request.nodeIds.map((id) => registry.isAlive(id.toString("hex"))) });
  const kvGet: Unary<InternalKVGetRequestMsg, unknown> = (c, cb) => {
    const value = kv.get(`${c.request.namespace.toString("utf8")}\0${c.request.key.toString("utf8")}`);
    cb(null, value ? { status: OK, value } : { status: { code: RAY_STATUS_NOT_FOUND, message: "Failed to find the key" }, value: Buffer.alloc(0) });
  };
  const check: Unary<{ service: string }, unknown> = (c, cb) => {
    if (c.request.service === "" || c.request.service.startsWith("ray.rpc.")) cb(null, { status: 1 });
    else cb({ code: Status.NOT_FOUND, details: `unknown service ${c.request.service}` });
  };
  const register: Unary<RegisterRequestMsg, unknown> = (c, cb) => {
    const w = registry.register(c.request);
    log(`worker ${w.nodeId} registered from pod IP ${w.podIp}:${w.port}`);
    cb(null, { clusterId: clusterId.toString("hex"), heartbeatIntervalMs: registry.heartbeatIntervalMs });
    if (o.dialBack ?? true) void dialBack(w.nodeId, w.podIp, w.port);
  };
  const heartbeat: Unary<HeartbeatRequestMsg, unknown> = (c, cb) => cb(null, { known: registry.heartbeat(c.request.nodeId) });
  const listNodes: Unary<unknown, unknown> = (_c, cb) => cb(null, { nodes: registry.list() });

  async function dialBack(nodeId: string, podIp: string, port: number): Promise<void> {
    // By IP, as the Ray head reaches workers; the worker's certificate must carry its pod IP.
    const address = podIp.includes(":") ? `[${podIp}]:${port}` : `${podIp}:${port}`;
    const r = await healthCheck({ address, tls: o.tls, protocol: "grpc-health", timeoutMs: 3000, hosts: o.hosts });
    registry.setDialBack(nodeId, r.ok, r.failure?.message ?? "");
    log(r.ok ? `dialed worker ${nodeId} back at ${address}: ok` : `dialing worker ${nodeId} back at ${address} failed: ${r.failure?.message}`);
  }

  const server = new Server({ "grpc.max_receive_message_length": -1, "grpc.max_send_message_length": -1 });
  for (const extra of o.services ?? []) server.addService(extra.definition, extra.implementation);
  server.addService(services.nodeInfo, { GetClusterId: getClusterId, CheckAlive: checkAlive } as UntypedServiceImplementation);
  server.addService(services.internalKv, { InternalKVGet: kvGet } as UntypedServiceImplementation);
  server.addService(services.health, { Check: check } as UntypedServiceImplementation);
  server.addService(services.lab, { Register: register, Heartbeat: heartbeat, ListNodes: listNodes } as UntypedServiceImplementation);
  const host = o.host ?? "0.0.0.0";
  const port = await bindServer(server, host, o.port ?? 6379, rayServerCredentials(o.tls));
  log(`head serving ${o.tls ? "mTLS" : "plaintext"} on ${host}:${port} (Ray ${rayVersion}, cluster id ${clusterId.toString("hex").slice(0, 12)}...)`);
  return {
    host,
    port,
    clusterId: clusterId.toString("hex"),
    rayVersion,
    registry,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1000).unref();
      }),
  };
}
