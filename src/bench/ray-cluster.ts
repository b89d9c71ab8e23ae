/**
 * A two-pod Ray 2.58 cluster for `raytls bench ray`: the lab's netns network (one namespace per
 * pod, the head's FQDN in each pod's hosts file), each pod with a private /tmp (Ray nodes sharing
 * /tmp/ray confuse node IPs: facts section 0), `ray start --block` detached in its own process
 * group. Stopped by process group and then by what is left in the pod's namespace (`ip netns
 * pids`), never by `ray stop`, which kills every Ray on the machine.
 */
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { RaytlsError } from "../errors.js";
import { packageRoot } from "../io/package-root.js";
import { netnsUnavailable } from "../lab/netns.js";
import type { LabPlan, PodPlan } from "../lab/lab-plan.js";

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Why a Ray cluster in netns pods cannot run here (root, iproute2, Ray), or undefined. */
export async function rayBenchUnavailable(): Promise<string | undefined> {
  const net = await netnsUnavailable();
  if (net) return net;
  if (!rayBinary()) return "Ray 2.58 not found (python3 -m venv .venv-ray && .venv-ray/bin/pip install ray==2.58.0 numpy; or set RAYTLS_RAY)";
  return undefined;
}

/** Ray's `ray`: $RAYTLS_RAY, then the project's `.venv-ray`, then PATH. */
export function rayBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.RAYTLS_RAY) return existsSync(env.RAYTLS_RAY) ? env.RAYTLS_RAY : undefined;
  const venv = join(packageRoot(), ".venv-ray", "bin", "ray");
  if (existsSync(venv)) return venv;
  for (const d of (env.PATH ?? "").split(":")) if (d && existsSync(join(d, "ray"))) return join(d, "ray");
  return undefined;
}

/** The python that has Ray (the one beside `ray` in its venv), for drivers. */
export function rayPython(ray: string): string {
  const beside = join(dirname(ray), "python");
  return existsSync(beside) ? beside : "python3";
}

/** argv for `ip` that runs `cmd` in the pod: its namespace, its hosts file, its private /tmp. */
export function inPodArgv(pod: PodPlan, tmp: string, cmd: string[]): string[] {
  return ["netns", "exec", pod.netns!, "sh", "-c", 'mount --make-rprivate / && mount --bind "$0" /tmp && exec "$@"', tmp, ...cmd];
}

export function podTmp(plan: LabPlan, pod: PodPlan): string {
  return join(plan.dir, "pods", pod.name, "tmp");
}

export interface RayCluster {
  /** ms from spawning the head until it printed "Ray runtime started". */
  headReadyMs: number;
  /** ms from spawning the head until every worker printed "Ray runtime started" (joined). */
  startMs: number;
  /** TCP connections established in a pod's namespace now (each one TLS handshake when TLS is on). */
  connections(pod: PodPlan): Promise<number>;
  /** Sum of VmHWM (peak resident memory) over every process in the pods' namespaces, MiB. */
  peakRssMiB(): Promise<number>;
  stop(): Promise<void>;
}

export interface StartOptions {
  ray: string;
  /** Extra environment for every pod's Ray (the configuration: TLS on or off, certificates, knobs). */
  podEnv(pod: PodPlan): Record<string, string>;
  objectStoreMiB: number;
  timeoutMs?: number;
  /** Start only the head (the other pods stay empty, for clients). */
  headOnly?: boolean;
}

function baseEnv(ray: string): Record<string, string> {
  return { PATH: `${dirname(ray)}:/usr/bin:/bin:/usr/sbin:/sbin`, HOME: process.env.HOME ?? "/root", RAY_USAGE_STATS_ENABLED: "0" };
}

/** Environment for a command in a pod: base, KubeRay's variables, the configuration. */
export function podCommandEnv(ray: string, pod: PodPlan, extra: Record<string, string>): Record<string, string> {
  const { RAY_ADDRESS, FQ_RAY_IP, RAY_IP, POD_IP } = pod.env;
  return { ...baseEnv(ray), ...(RAY_ADDRESS ? { RAY_ADDRESS } : {}), ...(FQ_RAY_IP ? { FQ_RAY_IP } : {}), ...(RAY_IP ? { RAY_IP } : {}), ...(POD_IP ? { POD_IP } : {}), ...extra };
}

function startRay(o: StartOptions, plan: LabPlan, pod: PodPlan): { child: ChildProcess; ready: Promise<void>; output: () => string } {
  const common = ["--block", "--node-ip-address", pod.ip, "--num-cpus", "1", "--object-store-memory", String(o.objectStoreMiB * 1024 * 1024), "--disable-usage-stats"];
  const args = pod.role === "head" ? ["start", "--head", "--port", String(plan.port), "--include-dashboard", "false", ...common] : ["start", "--address", `${plan.headFqdn}:${plan.port}`, ...common];
  // A fresh /tmp for every start, as a new pod gets: `ray start --head` refuses to start when the
  // last session's /tmp/ray/ray_current_cluster names IP:port and any gcs_server on the machine
  // (another lab's, in its own namespace) runs with the same IP and port.
  const tmp = podTmp(plan, pod);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  // RAY_ADDRESS is for drivers; `ray start` gets the address on its command line.
  const env = { ...baseEnv(o.ray), ...o.podEnv(pod) };
  const child = spawn("ip", inPodArgv(pod, tmp, [o.ray, ...args]), { env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  child.stdout!.on("data", (b: Buffer) => (text = (text + b.toString()).slice(-20_000)));
  child.stderr!.on("data", (b: Buffer) => (text = (text + b.toString()).slice(-20_000)));
  const ready = new Promise<void>((resolve, reject) => {
    const until = Date.now() + (o.timeoutMs ?? 90_000);
    const poll = () => {
      if (text.includes("Ray runtime started")) return resolve();
      if (child.exitCode !== null || child.signalCode !== null || Date.now() > until)
        return reject(new RaytlsError("ray-start", `ray start (${pod.name}) did not come up:\n${text.slice(-3000)}`, { kind: "check", hint: "see the output above; the bench needs root, iproute2 and Ray 2.58" }));
      setTimeout(poll, 50);
    };
    poll();
  });
  return { child, ready, output: () => text };
}

/** Process ids in a network namespace now (`ip netns pids`). */
export async function netnsPids(ns: string): Promise<number[]> {
  const out = (await run("ip", ["netns", "pids", ns]).catch(() => ({ stdout: "" }))).stdout;
  return out.split("\n").map(Number).filter((n) => Number.isInteger(n) && n > 0);
}

function vmHwmKiB(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function kill(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
}

/**
 * Stops one pod: SIGKILL to its process group, then to anything still in its namespace (Ray's
 * own children). No graceful shutdown: the pod's /tmp is thrown away, and a SIGTERM'd `ray start`
 * takes seconds per configuration that the bench's 15 minutes cannot spare.
 */
async function stopPod(child: ChildProcess, ns: string): Promise<void> {
  if (child.pid) kill(-child.pid, "SIGKILL");
  for (let i = 0; i < 200; i++) {
    const left = await netnsPids(ns);
    if (left.length === 0 && (child.exitCode !== null || child.signalCode !== null)) return;
    for (const pid of left) kill(pid, "SIGKILL");
    await sleep(50);
  }
}

/** Head first, then the workers; resolves when all are up, with the timings. */
export async function startRayCluster(plan: LabPlan, o: StartOptions): Promise<RayCluster> {
  const started: Array<{ child: ChildProcess; ns: string }> = [];
  const stop = async () => {
    await Promise.all(started.map((s) => stopPod(s.child, s.ns)));
    started.length = 0;
  };
  try {
    const t0 = performance.now();
    const head = startRay(o, plan, plan.pods[0]!);
    started.push({ child: head.child, ns: plan.pods[0]!.netns! });
    await head.ready;
    const headReadyMs = performance.now() - t0;
    const workers = (o.headOnly ? [] : plan.pods.slice(1)).map((p) => {
      const w = startRay(o, plan, p);
      started.push({ child: w.child, ns: p.netns! });
      return w;
    });
    await Promise.all(workers.map((w) => w.ready));
    const startMs = performance.now() - t0;
    return {
      headReadyMs,
      startMs,
      async connections(pod) {
        const r = await run("ip", ["netns", "exec", pod.netns!, "cat", "/proc/net/tcp", "/proc/net/tcp6"]).catch(() => ({ stdout: "" }));
        // Column 4 is the state; 01 is ESTABLISHED.
        return r.stdout.split("\n").filter((l) => l.trim().split(/\s+/)[3] === "01").length;
      },
      async peakRssMiB() {
        let kib = 0;
        for (const p of plan.pods) for (const pid of await netnsPids(p.netns!)) kib += vmHwmKiB(pid);
        return kib / 1024;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A driver's "MARK <name> begin|end" line: it waits on stdin until the bench has taken its sample. */
export type MarkHandler = (name: string, edge: "begin" | "end") => Promise<void>;

/**
 * Runs `cmd` in the pod to completion; stdout, stderr, exit code. With `onMark`, the command's
 * stdin is a pipe: each "MARK <name> begin|end" line it prints is handed to onMark, and one line
 * is written back when onMark is done (the driver's --sync protocol).
 */
export function runInPod(plan: LabPlan, pod: PodPlan, cmd: string[], env: Record<string, string>, timeoutMs = 300_000, onMark?: MarkHandler): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  // A pod with no Ray of its own (a client pod) still needs its /tmp to exist.
  mkdirSync(podTmp(plan, pod), { recursive: true });
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn("ip", inPodArgv(pod, podTmp(plan, pod), cmd), { env, stdio: [onMark ? "pipe" : "ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let pending = "";
    let marks = Promise.resolve();
    let failed: unknown;
    child.stdout!.on("data", (b: Buffer) => {
      stdout += b.toString();
      if (!onMark) return;
      pending += b.toString();
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines) {
        const m = /^MARK (\S+) (begin|end)$/.exec(line.trim());
        if (!m) continue;
        // One at a time, in order: the driver waits for each answer before it goes on.
        marks = marks.then(async () => {
          try {
            if (failed === undefined) await onMark(m[1]!, m[2] as "begin" | "end");
          } catch (err) {
            failed = err;
            child.kill("SIGKILL");
            return;
          }
          child.stdin?.write("go\n");
        });
      }
    });
    child.stderr!.on("data", (b: Buffer) => (stderr = (stderr + b.toString()).slice(-20_000)));
    child.stdin?.on("error", () => {}); // the driver may exit before reading its last answer
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      void marks.then(() => {
        const why = failed === undefined ? "" : `\nthe bench's sample at a MARK failed: ${(failed as Error).message}`;
        resolve({ code: failed === undefined ? (code ?? 1) : 1, stdout, stderr: stderr + why, ms: performance.now() - t0 });
      });
    });
  });
}
