/**
 * What `ray health-check --address HOST:PORT` does, on the wire (facts section 2):
 * - newer Ray: GetClusterId, then InternalKVGet CLUSTER_METADATA/cluster with the metadata
 *   `ray_cluster_id`, and compare `ray_version` unless told not to;
 * - Ray 2.6 to ~2.35: CheckAlive;
 * - every Ray C++ server: grpc.health.v1.Health/Check.
 * `auto` tries them in that order, moving on only when a method is UNIMPLEMENTED.
 * Never prints; returns a result the CLI renders.
 */
import { RaytlsError } from "../errors.js";
import { GRPC_STATUS as Status, RpcError, statusName } from "./grpc-status.js";
import { H2RpcClient } from "./h2-rpc-client.js";
import { resolveTarget, type HostsOverride } from "./dial-target.js";
import { CLUSTER_METADATA_KEY, CLUSTER_METADATA_NAMESPACE, SERVING_STATUS } from "./gcs-schema.js";
// The diagnosis (and the probe, with node:dns) load only after a failure: a healthy check's cold
// start has a 150 ms budget (issue 3).
import type { Failure } from "./health-diagnosis.js";
import type { ProbeReport } from "./tls-probe.js";
import type { ClientTls } from "./client-tls.js";

export type HealthProtocol = "auto" | "cluster-metadata" | "check-alive" | "grpc-health";
export const HEALTH_PROTOCOLS: HealthProtocol[] = ["auto", "cluster-metadata", "check-alive", "grpc-health"];

export interface HealthCheckOptions {
  address: string;
  /** null: plaintext (RAY_USE_TLS off). */
  tls: ClientTls | null;
  hosts?: HostsOverride;
  /** Default "auto". */
  protocol?: HealthProtocol;
  /** Default 10,000 ms, as `ray health-check --timeout 10`. */
  timeoutMs?: number;
  /** The local Ray version to compare with the cluster's; no comparison when absent. */
  rayVersion?: string;
  skipVersionCheck?: boolean;
  /**
   * As `ray health-check --component NAME`: after the GCS check, the component's report in Ray's
   * health-check KV namespace must exist and be younger than `componentMaxAgeS` (Ray's
   * HEALTHCHECK_EXPIRATION_S, 10 s unless RAY_HEALTHCHECK_EXPIRATION_S says otherwise).
   */
  component?: string;
  /** Default 10 s. */
  componentMaxAgeS?: number;
  /** For tests. Default Date.now. */
  now?: () => number;
  /** Probe the endpoint after a failure to explain it. Default true. */
  diagnose?: boolean;
}

export interface RpcStep {
  rpc: string;
  ok: boolean;
  code?: string;
  details?: string;
  ms: number;
}

export interface HealthCheckResult {
  ok: boolean;
  address: string;
  host: string;
  port: number;
  /** Set when a hosts override sent the connection elsewhere than DNS would. */
  dialedIp?: string;
  tls: boolean;
  protocol: HealthProtocol;
  used?: Exclude<HealthProtocol, "auto">;
  steps: RpcStep[];
  clusterId?: string;
  rayVersion?: string;
  failure?: Failure;
  probe?: ProbeReport;
  ms: number;
}

export async function healthCheck(o: HealthCheckOptions): Promise<HealthCheckResult> {
  const t0 = performance.now();
  const target = resolveTarget(o.address, o.hosts);
  const protocol = o.protocol ?? "auto";
  const timeoutMs = o.timeoutMs ?? 10_000;
  const deadlineAt = Date.now() + timeoutMs;
  const left = () => Math.max(1, deadlineAt - Date.now());
  const result: HealthCheckResult = {
    ok: false,
    address: o.address,
    host: target.host,
    port: target.port,
    ...(target.overrideAddress ? { dialedIp: target.overrideAddress } : {}),
    tls: Boolean(o.tls),
    protocol,
    steps: [],
    ms: 0,
  };
  const client = new H2RpcClient(target, o.tls);
  const step = async <T>(rpc: string, fn: () => Promise<T>): Promise<T> => {
    const s = performance.now();
    try {
      const v = await fn();
      result.steps.push({ rpc, ok: true, ms: round(performance.now() - s) });
      return v;
    } catch (err) {
      const e = err as RpcError;
      result.steps.push({ rpc, ok: false, code: codeName(e.code), details: e.details ?? e.message, ms: round(performance.now() - s) });
      throw err;
    }
  };
  const unimplemented = (err: unknown) => (err as RpcError).code === Status.UNIMPLEMENTED;
  try {
    let order: Array<Exclude<HealthProtocol, "auto">> = protocol === "auto" ? ["cluster-metadata", "check-alive", "grpc-health"] : [protocol];
    for (const p of order) {
      try {
        if (p === "cluster-metadata") {
          const id = await step("GetClusterId", () => client.call("getClusterId", {}, { timeoutMs: left() }));
          checkStatus(id.status);
          result.clusterId = id.clusterId.toString("hex");
          const kv = await step("InternalKVGet", () =>
            client.call(
              "internalKvGet",
              { key: Buffer.from(CLUSTER_METADATA_KEY), namespace: Buffer.from(CLUSTER_METADATA_NAMESPACE) },
              { timeoutMs: left(), metadata: { ray_cluster_id: result.clusterId! } },
            ),
          );
          checkStatus(kv.status);
          const version = parseRayVersion(kv.value);
          if (version) result.rayVersion = version;
        } else if (p === "check-alive") {
          const r = await step("CheckAlive", () => client.call("checkAlive", { nodeIds: [] }, { timeoutMs: left() }));
          checkStatus(r.status);
          if (r.rayVersion) result.rayVersion = r.rayVersion;
        } else {
          const r = await step("Health/Check", () => client.call("healthCheck", { service: "" }, { timeoutMs: left() }));
          if (r.status !== 1) {
            result.used = p;
            result.failure = { kind: "not-serving", message: `grpc.health.v1 status ${SERVING_STATUS[r.status] ?? r.status}`, facts: [] };
            return finish();
          }
        }
        result.used = p;
        break;
      } catch (err) {
        if (unimplemented(err) && p !== order[order.length - 1]) continue;
        throw err;
      }
    }
    if (o.rayVersion && !o.skipVersionCheck && result.rayVersion && result.rayVersion !== o.rayVersion) {
      result.failure = {
        kind: "version-mismatch",
        // Ray's own wording (python/ray/scripts/scripts.py, health-check).
        message: `Ray version mismatch: cluster has Ray version ${result.rayVersion} but local Ray version is ${o.rayVersion}`,
        facts: [],
        hint: "run the same Ray version everywhere, or pass --skip-version-check",
      };
      return finish();
    }
    if (o.component !== undefined) {
      const failure = await checkComponent(o.component, o.componentMaxAgeS ?? 10, (o.now ?? Date.now)(), () =>
        step("InternalKVGet", () =>
          client.call("internalKvGet", { key: Buffer.from(o.component!), namespace: Buffer.from(HEALTHCHECK_NAMESPACE) }, { timeoutMs: left(), ...(result.clusterId ? { metadata: { ray_cluster_id: result.clusterId } } : {}) }),
        ),
      );
      if (failure) {
        result.failure = failure;
        return finish();
      }
    }
    result.ok = true;
    return finish();
  } catch (err) {
    if (err instanceof RaytlsError && err.code === "gcs-status") {
      result.failure = { kind: "gcs-status", message: err.message, facts: [] };
      return finish();
    }
    const e = err as RpcError;
    const code = codeName(e.code);
    const details = e.details ?? e.message;
    client.close();
    const [{ diagnose }, { probeTls }] = await Promise.all([import("./health-diagnosis.js"), import("./tls-probe.js")]);
    let probe: ProbeReport | undefined;
    if ((o.diagnose ?? true) && (e.code === Status.UNAVAILABLE || e.code === Status.DEADLINE_EXCEEDED || e.code === Status.INTERNAL)) {
      probe = await probeTls({ host: target.host, port: target.port, ip: target.overrideAddress, tls: o.tls, timeoutMs: Math.min(3000, timeoutMs) });
      result.probe = probe;
    }
    result.failure = diagnose(code, details, probe, o.tls);
    return finish();
  }

  function finish(): HealthCheckResult {
    client.close();
    result.ms = round(performance.now() - t0);
    return result;
  }
}

/** Ray's KV namespace for component health reports (ray_constants.KV_NAMESPACE_HEALTHCHECK). */
export const HEALTHCHECK_NAMESPACE = "healthcheck";

/** Ray's rule (scripts.py healthcheck): no report, or one older than the expiry, is unhealthy. */
async function checkComponent(name: string, maxAgeS: number, nowMs: number, get: () => Promise<{ status?: { code: number; message: string }; value: Buffer }>): Promise<Failure | undefined> {
  const kv = await get();
  checkStatus(kv.status);
  if (kv.value.length === 0) {
    return { kind: "component", message: `component ${name} has never reported its health (no "${name}" key in Ray's ${HEALTHCHECK_NAMESPACE} KV namespace)`, facts: [], hint: "check the component's name and that it runs" };
  }
  let time: number;
  try {
    time = Number((JSON.parse(kv.value.toString("utf8")) as { time?: unknown }).time);
  } catch {
    time = Number.NaN;
  }
  if (!Number.isFinite(time)) return { kind: "component", message: `component ${name}: its health report has no readable "time"`, facts: [] };
  const age = nowMs / 1000 - time;
  if (age < maxAgeS) return undefined;
  return { kind: "component", message: `component ${name} last reported ${age.toFixed(1)} s ago (Ray counts it dead after ${maxAgeS} s)`, facts: [], hint: "the component has probably stopped; see its logs" };
}

function checkStatus(s: { code: number; message: string } | undefined): void {
  if (s && s.code !== 0) {
    // Caught in healthCheck and reported as its failure (kind "gcs-status"), never thrown to the caller.
    throw new RaytlsError("gcs-status", `GCS replied with status ${s.code}: ${s.message}`, { kind: "check", hint: "the GCS answered but refused the request; see the head's gcs_server.out" });
  }
}

function parseRayVersion(value: Buffer): string | undefined {
  if (value.length === 0) return undefined;
  try {
    const v = (JSON.parse(value.toString("utf8")) as { ray_version?: unknown }).ray_version;
    return typeof v === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}

export const codeName = statusName;

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
