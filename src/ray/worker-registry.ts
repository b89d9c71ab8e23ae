/**
 * The head's view of its workers (raytls.lab.v1, not Ray's protocol): who registered, when each
 * last sent a heartbeat, and whether the head could dial the worker back at its pod IP over mTLS,
 * the way a Ray head reaches workers by `$POD_IP` (seed, Step 2). The clock comes in as a
 * parameter so tests pin it.
 */
import type { NodeInfoMsg, RegisterRequestMsg } from "./lab-schema.js";

export interface WorkerEntry {
  nodeId: string;
  role: string;
  podIp: string;
  port: number;
  hostname: string;
  registeredAt: number;
  lastHeartbeat: number;
  dialBack: { ok: boolean; error: string } | undefined;
}

export class WorkerRegistry {
  private readonly workers = new Map<string, WorkerEntry>();

  /**
   * @param deadAfterMs a worker without a heartbeat for this long is dead. Default 3 heartbeats.
   */
  constructor(
    readonly heartbeatIntervalMs = 500,
    readonly deadAfterMs = heartbeatIntervalMs * 3,
    private readonly now: () => number = Date.now,
  ) {}

  register(r: RegisterRequestMsg): WorkerEntry {
    const t = this.now();
    const entry: WorkerEntry = { ...r, registeredAt: t, lastHeartbeat: t, dialBack: undefined };
    this.workers.set(r.nodeId, entry);
    return entry;
  }

  /** false when the node is unknown (the head restarted): the worker must register again. */
  heartbeat(nodeId: string): boolean {
    const w = this.workers.get(nodeId);
    if (!w) return false;
    w.lastHeartbeat = this.now();
    return true;
  }

  setDialBack(nodeId: string, ok: boolean, error = ""): void {
    const w = this.workers.get(nodeId);
    if (w) w.dialBack = { ok, error };
  }

  isAlive(nodeId: string): boolean {
    const w = this.workers.get(nodeId);
    return Boolean(w && this.now() - w.lastHeartbeat <= this.deadAfterMs);
  }

  list(): NodeInfoMsg[] {
    return [...this.workers.values()].map((w) => ({
      nodeId: w.nodeId,
      role: w.role,
      podIp: w.podIp,
      port: w.port,
      alive: this.isAlive(w.nodeId),
      lastHeartbeatUnixMs: w.lastHeartbeat,
      dialBackOk: w.dialBack?.ok ?? false,
      dialBackError: w.dialBack?.error ?? (w.dialBack ? "" : "pending"),
    }));
  }
}
