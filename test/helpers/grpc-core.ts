/**
 * Drive a real gRPC C-core peer (Debian's python3-grpcio, test/peers/grpc_core_peer.py) from
 * vitest tests: a server that answers Ray's GCS health-check calls over mTLS or plaintext, and a
 * one-shot client whose verdict (and error text) is gRPC C-core's own.
 *
 * Every child process is tracked by PID and killed on stop(), on a hard timeout, and (SIGKILL) when
 * the test process exits.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeTempDir } from "./temp-dir.js";

export const PYTHON = "/usr/bin/python3";
export const PEER_SCRIPT = fileURLToPath(new URL("../peers/grpc_core_peer.py", import.meta.url));

// ---------------------------------------------------------------------------------------------
// Process tracking
// ---------------------------------------------------------------------------------------------

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  live.add(child);
  child.once("exit", () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on("exit", () => {
      for (const c of live) {
        if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) {
          try {
            process.kill(c.pid, "SIGKILL");
          } catch {
            /* already gone */
          }
        }
      }
    });
  }
}

function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function waitExit(child: ChildProcess): Promise<void> {
  if (!running(child)) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** SIGTERM by PID, SIGKILL after graceMs, then wait for the exit. */
async function killByPid(child: ChildProcess, graceMs = 3000): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || !running(child)) return waitExit(child);
  const exited = waitExit(child);
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    /* already gone */
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), graceMs);
  });
  const first = await Promise.race([exited.then(() => "exited" as const), timedOut]);
  if (timer) clearTimeout(timer);
  if (first === "timeout" && running(child)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
  await exited;
}

function peerCommand(args: string[], netns?: string): { cmd: string; argv: string[] } {
  const base = [PEER_SCRIPT, ...args];
  if (netns) return { cmd: "ip", argv: ["netns", "exec", netns, PYTHON, ...base] };
  return { cmd: PYTHON, argv: base };
}

function childEnv(): NodeJS.ProcessEnv {
  // ERROR is the level at which C-core logs failed handshakes (which the server records); a
  // chattier level from the environment is kept, a quieter one (NONE) is raised to ERROR.
  const v = (process.env.GRPC_VERBOSITY ?? "").toUpperCase();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GRPC_VERBOSITY: v === "DEBUG" || v === "INFO" ? v : "ERROR",
    PYTHONUNBUFFERED: "1",
  };
  // gRPC must never route the test traffic through an HTTP proxy from the environment.
  for (const k of ["grpc_proxy", "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete env[k];
  return env;
}

function tail(s: string, n = 4000): string {
  return s.length > n ? s.slice(s.length - n) : s;
}

// ---------------------------------------------------------------------------------------------
// Availability
// ---------------------------------------------------------------------------------------------

let availability: { ok: true } | { ok: false; reason: string } | undefined;

/** Whether `/usr/bin/python3 -c "import grpc"` works (checked once, cached). */
export function grpcCoreAvailable(): { ok: true } | { ok: false; reason: string } {
  if (availability) return availability;
  const r = spawnSync(PYTHON, ["-c", "import grpc"], { encoding: "utf8", timeout: 30_000 });
  if (r.error) {
    availability = { ok: false, reason: `gRPC C-core peer unavailable: cannot run ${PYTHON}: ${r.error.message}` };
  } else if (r.status !== 0) {
    availability = {
      ok: false,
      reason: `gRPC C-core peer unavailable: ${PYTHON} -c "import grpc" failed (exit ${r.status ?? r.signal}): ${tail(r.stderr ?? "", 500).trim()}`,
    };
  } else {
    availability = { ok: true };
  }
  return availability;
}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

export interface CoreServer {
  port: number;
  host: string;
  pid: number;
  /**
   * The server's record file, parsed: one object per call
   * (`{event:"call", method, metadata, peer, auth, request_hex, ...}`) and, when C-core logs them,
   * handshake failures (`{event:"handshake-failure", reason, log}`).
   */
  records(): Promise<any[]>;
  /** SIGTERM by PID, SIGKILL after 3 s, awaits the exit; removes the record dir. Idempotent. */
  stop(): Promise<void>;
}

export interface StartCoreServerOptions {
  /** HOST:PORT, default 127.0.0.1:0 (port 0 = pick one). */
  listen?: string;
  cert?: string;
  key?: string;
  ca?: string;
  plaintext?: boolean;
  /** Reported by CheckAlive and in CLUSTER_METADATA (default 2.52.0). */
  rayVersion?: string;
  /** Hex cluster id returned by GetClusterId (default: random 28 bytes). */
  clusterId?: string;
  /** Run inside `ip netns exec NAME`. */
  netns?: string;
  /** How long to wait for the listening line (default 20 s). */
  startTimeoutMs?: number;
}

function hostOf(listen: string): string {
  const m = /^\[([^\]]*)\]:\d+$/.exec(listen);
  if (m) return m[1]!;
  const i = listen.lastIndexOf(":");
  return i >= 0 ? listen.slice(0, i) : listen;
}

export async function startCoreServer(o: StartCoreServerOptions): Promise<CoreServer> {
  const listen = o.listen ?? "127.0.0.1:0";
  const { dir, cleanup: cleanupDir } = makeTempDir("raytls-core-server-");
  const recordFile = join(dir, "records.jsonl");
  const args = ["server", "--listen", listen, "--record", recordFile];
  if (o.plaintext) args.push("--plaintext");
  else {
    if (!o.cert || !o.key || !o.ca) {
      cleanupDir();
      throw new Error("startCoreServer: cert, key and ca are required unless plaintext");
    }
    args.push("--cert", o.cert, "--key", o.key, "--ca", o.ca);
  }
  if (o.rayVersion) args.push("--ray-version", o.rayVersion);
  if (o.clusterId) args.push("--cluster-id", o.clusterId);

  const { cmd, argv } = peerCommand(args, o.netns);
  const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"], env: childEnv() });
  track(child);

  let stdout = "";
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (d: string) => {
    stderr = tail(stderr + d, 16_000);
  });
  child.stdout!.setEncoding("utf8");

  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`gRPC C-core server did not report listening within ${o.startTimeoutMs ?? 20_000} ms; stderr:\n${stderr}`));
      }, o.startTimeoutMs ?? 20_000);
      const onData = (d: string) => {
        stdout += d;
        let nl: number;
        while ((nl = stdout.indexOf("\n")) >= 0) {
          const line = stdout.slice(0, nl).trim();
          stdout = stdout.slice(nl + 1);
          if (!line) continue;
          let msg: any;
          try {
            msg = JSON.parse(line);
          } catch {
            continue;
          }
          if (msg?.event === "listening" && typeof msg.port === "number") {
            clearTimeout(timer);
            child.stdout!.off("data", onData);
            child.stdout!.resume(); // keep draining
            resolve(msg.port);
            return;
          }
          if (msg?.event === "error") {
            clearTimeout(timer);
            reject(new Error(`gRPC C-core server failed: ${msg.error}; stderr:\n${stderr}`));
            return;
          }
        }
      };
      child.stdout!.on("data", onData);
      child.once("error", (e) => {
        clearTimeout(timer);
        reject(new Error(`cannot start ${cmd}: ${e.message}`));
      });
      child.once("exit", (code, sig) => {
        clearTimeout(timer);
        reject(new Error(`gRPC C-core server exited early (${code ?? sig}); stderr:\n${stderr}`));
      });
    });
  } catch (e) {
    await killByPid(child);
    cleanupDir();
    throw e;
  }

  let stopped: Promise<void> | undefined;
  return {
    port,
    host: hostOf(listen),
    pid: child.pid!,
    async records() {
      let text: string;
      try {
        text = await readFile(recordFile, "utf8");
      } catch (e: any) {
        if (e?.code === "ENOENT") return [];
        throw e;
      }
      const out: any[] = [];
      for (const line of text.split("\n")) {
        if (!line.trim()) continue;
        try {
          out.push(JSON.parse(line));
        } catch {
          /* a line being written right now */
        }
      }
      return out;
    },
    stop() {
      stopped ??= killByPid(child).then(cleanupDir);
      return stopped;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

export interface CoreCallResult {
  ok: boolean;
  /** gRPC status code name, e.g. "UNAVAILABLE" (only when !ok). */
  code?: string;
  /** gRPC's own details text (only when !ok). */
  details?: string;
  /** C-core's debug_error_string (only when !ok). */
  debugErrorString?: string;
  /**
   * Decoded reply (bytes as hex): get-cluster-id {status:{code,message}, cluster_id};
   * check-alive {status, ray_version, raylet_alive: boolean[]}; kv-get {status, value (utf8)};
   * health {status: "SERVING"|..., status_code}.
   */
  reply?: Record<string, unknown>;
}

export type CoreMethod = "check-alive" | "get-cluster-id" | "kv-get" | "health";

export interface CoreCallOptions {
  /** HOST:PORT; the host is the name C-core checks against the server certificate. */
  target: string;
  cert?: string;
  key?: string;
  /** With cert+key: mTLS; alone: one-way TLS. */
  ca?: string;
  plaintext?: boolean;
  /** grpc.ssl_target_name_override */
  nameOverride?: string;
  method?: CoreMethod;
  /** Call deadline in seconds (default 5). */
  timeoutS?: number;
  metadata?: Record<string, string>;
  netns?: string;
  /** check-alive: node ids (hex) to ask about; the reply has one `true` per id. */
  nodeIds?: string[];
  /** kv-get: key and namespace (default CLUSTER_METADATA / cluster). */
  kvKey?: string;
  kvNamespace?: string;
  /** Queue the call until the channel connects (or the deadline passes) instead of failing fast. */
  waitForReady?: boolean;
}

export async function coreCall(o: CoreCallOptions): Promise<CoreCallResult> {
  const timeoutS = o.timeoutS ?? 5;
  const method = o.method ?? "get-cluster-id";
  const args = ["client", "--target", o.target, "--method", method, "--timeout", String(timeoutS)];
  if (o.plaintext) args.push("--plaintext");
  else {
    if (!o.ca) throw new Error("coreCall: ca is required unless plaintext");
    args.push("--ca", o.ca);
    if (o.cert || o.key) {
      if (!o.cert || !o.key) throw new Error("coreCall: cert and key go together");
      args.push("--cert", o.cert, "--key", o.key);
    }
  }
  if (o.nameOverride) args.push("--name-override", o.nameOverride);
  for (const [k, v] of Object.entries(o.metadata ?? {})) args.push("--metadata", `${k}=${v}`);
  for (const n of o.nodeIds ?? []) args.push("--node-id", n);
  if (o.kvKey !== undefined) args.push("--kv-key", o.kvKey);
  if (o.kvNamespace !== undefined) args.push("--kv-namespace", o.kvNamespace);
  if (o.waitForReady) args.push("--wait-for-ready");

  const { cmd, argv } = peerCommand(args, o.netns);
  const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"], env: childEnv() });
  track(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8");
  child.stderr!.setEncoding("utf8");
  child.stdout!.on("data", (d: string) => (stdout += d));
  child.stderr!.on("data", (d: string) => (stderr = tail(stderr + d, 16_000)));

  // Hard stop well after the gRPC deadline (interpreter start-up + grpc import take ~0.3 s).
  const hardMs = Math.ceil(timeoutS * 1000) + 20_000;
  let hardKilled = false;
  const hard = setTimeout(() => {
    hardKilled = true;
    void killByPid(child);
  }, hardMs);

  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once("error", (e) => {
      clearTimeout(hard);
      reject(new Error(`cannot start ${cmd}: ${e.message}`));
    });
    child.once("close", (c, s) => {
      clearTimeout(hard);
      resolve([c, s]);
    });
  });

  if (hardKilled) throw new Error(`gRPC C-core client hung for ${hardMs} ms; stderr:\n${stderr}`);
  if (code !== 0) throw new Error(`gRPC C-core client failed (${code ?? signal}); stderr:\n${stderr}`);
  const line = stdout.trim().split("\n").filter(Boolean).pop();
  let msg: any;
  try {
    msg = JSON.parse(line ?? "");
  } catch {
    throw new Error(`gRPC C-core client printed no JSON: ${JSON.stringify(stdout)}; stderr:\n${stderr}`);
  }
  const result: CoreCallResult = { ok: msg.ok === true };
  if (msg.ok === true) result.reply = msg.reply ?? {};
  else {
    if (typeof msg.code === "string") result.code = msg.code;
    if (typeof msg.details === "string") result.details = msg.details;
    if (typeof msg.debug_error_string === "string") result.debugErrorString = msg.debug_error_string;
  }
  return result;
}
