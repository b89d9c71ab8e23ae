/**
 * Ray pods of a `--ray` lab: start each `ray start --block` detached in its own process group
 * (so its raylet, GCS and workers can be stopped together, by process group, never with `ray
 * stop`, which kills every Ray on the machine), ask the head which nodes Ray sees alive, and
 * find the cause when a pod's Ray dies during start-up.
 */
import { execFile } from "node:child_process";
import { mkdirSync, promises as fsp, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { RaytlsError } from "../errors.js";
import { readProcStat } from "../io/proc-stat.js";
import type { LabPlan, PodPlan } from "./lab-plan.js";
import { spawnDetached } from "./lab-processes.js";
import { saveState, type LabState } from "./lab-state.js";
import { enterPodArgv, podInitArgv, rayPodEnv, rayStartArgv, writeRaytlsShim, type RayRuntime } from "./ray-runtime.js";

/** The pod's private /tmp (bind-mounted on /tmp inside the pod): DIR/pods/<pod>/tmp. */
export function podTmpDir(plan: LabPlan, pod: PodPlan): string {
  return join(plan.dir, "pods", pod.name, "tmp");
}

/** Every pod gets a custom resource named after it (`{"head": 1}`, `{"worker-1": 1}`), so a job can pin work to a pod. */
export function podResources(pod: PodPlan): Record<string, number> {
  return { [pod.name]: 1 };
}

/** Starts the pod's `ray start --block` detached (its own process group); output appended to the pod's log. Returns the PID (= PGID). */
export function startRayPod(plan: LabPlan, pod: PodPlan, ray: RayRuntime): number {
  const tmp = podTmpDir(plan, pod);
  mkdirSync(tmp, { recursive: true, mode: 0o1777 });
  const { file, args } = podInitArgv(pod, rayStartArgv(ray, pod, plan.headFqdn, plan.port, podResources(pod)), tmp);
  return spawnDetached(file, args, { log: pod.log, env: rayPodEnv(ray, pod, plan.dir) });
}

/** PIDs whose process group is `pgid` (from /proc; Linux). */
export function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    const s = readProcStat(Number(e)); // undefined: exited meanwhile
    if (s && s.pgrp === pgid && s.state !== "Z") out.push(s.pid);
  }
  return out;
}

/** Is this process group still a Ray pod of ours (some member runs Ray), not a recycled number? */
export function isRayGroup(pgid: number, ray: { bin: string }): boolean {
  const venv = dirname(dirname(ray.bin));
  return groupMembers(pgid).some((pid) => {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      return cmd.includes(venv) || /gcs_server|raylet|ray::|default_worker|ray\/_private/.test(cmd);
    } catch {
      return false;
    }
  });
}

/** SIGTERM to the whole group, then SIGKILL after `graceMs`; resolves when no member is left. */
export async function stopGroup(pgid: number, ray: { bin: string }, graceMs = 5000): Promise<"stopped" | "killed" | "gone"> {
  if (!isRayGroup(pgid, ray)) return "gone";
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pgid, s);
    } catch {
      /* gone */
    }
  };
  signal("SIGTERM");
  const until = Date.now() + graceMs;
  while (Date.now() < until) {
    if (groupMembers(pgid).length === 0) return "stopped";
    await new Promise((r) => setTimeout(r, 100));
  }
  signal("SIGKILL");
  for (const until2 = Date.now() + 5000; groupMembers(pgid).length > 0 && Date.now() < until2; ) await new Promise((r) => setTimeout(r, 50));
  return "killed";
}

export interface RayNode {
  nodeId: string;
  /** Ray's node_manager_address: the node IP Ray uses. */
  ip: string;
  alive: boolean;
  isHead: boolean;
  /** The pod it belongs to (by IP), when it is one of the lab's. */
  pod?: string;
}

// Ray's own GCS client (no driver, no dashboard): the node table as Ray sees it.
const NODES_PY = `
import json, sys
from ray._raylet import GcsClient
c = GcsClient(address=sys.argv[1])
infos = c.get_all_node_info(timeout=5)
print(json.dumps([{"nodeId": i.node_id.hex(), "ip": i.node_manager_address, "alive": i.state == 0, "isHead": bool(i.is_head_node)} for i in infos.values()]))
`;

/** The host PID of the pod's PID 1 (the child `unshare` forked), given the recorded PID; undefined when not running. */
export function podInitPid(pid: number): number | undefined {
  try {
    const first = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/)[0];
    return first ? Number(first) : undefined;
  } catch {
    return undefined;
  }
}

/** argv and env entering a running Ray pod: its namespaces (network, mount with private /tmp and hosts, PID) and its Ray env. */
export function enterRayPod(state: LabState, pod: PodPlan, cmd: string[]): { file: string; args: string[]; env: Record<string, string> } {
  const init = podInitPid(state.pids[pod.name] ?? 0);
  if (!init) throw new RaytlsError("pod-not-running", `pod ${pod.name} of lab ${state.plan.name} is not running`, { hint: `see raytls lab status --dir ${state.plan.dir}`, kind: "check" });
  return { ...enterPodArgv(init, cmd), env: rayPodEnv(state.ray!, pod, state.plan.dir) };
}

/** Runs a command in the running pod, capturing its output. */
export function runInRayPod(state: LabState, pod: PodPlan, cmd: string[], o: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let entered: ReturnType<typeof enterRayPod>;
  try {
    entered = enterRayPod(state, pod, cmd);
  } catch (err) {
    return Promise.resolve({ code: 1, stdout: "", stderr: (err as Error).message });
  }
  const { file, args, env } = entered;
  return new Promise((resolve) => {
    execFile(file, args, { env: { ...env, ...(o.env ?? {}) }, timeout: o.timeoutMs ?? 30_000, maxBuffer: 16 << 20, killSignal: "SIGKILL" }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: unknown; signal?: string | null }) | null;
      const code = !e ? 0 : typeof e.code === "number" ? e.code : 124;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** The nodes Ray's GCS knows, asked from inside the head pod at its pod IP. */
export async function rayNodes(state: LabState): Promise<{ nodes?: RayNode[]; error: string }> {
  const plan = state.plan;
  const ray = state.ray!;
  const head = plan.pods[0]!;
  const r = await runInRayPod(state, head, [ray.python, "-c", NODES_PY, `${head.ip}:${plan.port}`], { timeoutMs: 20_000 });
  if (r.code !== 0) return { error: r.stderr.trim().split("\n").filter(Boolean).pop() ?? `exit ${r.code}` };
  try {
    const nodes = JSON.parse(r.stdout.trim().split("\n").pop() ?? "") as RayNode[];
    for (const n of nodes) {
      const pod = plan.pods.find((p) => p.ip === n.ip);
      if (pod) n.pod = pod.name;
    }
    return { nodes, error: "" };
  } catch {
    return { error: `unreadable answer: ${r.stdout.slice(0, 200)}` };
  }
}

/** Every pod has an alive Ray node at its pod IP. */
export function allPodsAlive(plan: LabPlan, nodes: RayNode[]): boolean {
  return plan.pods.every((p) => nodes.some((n) => n.alive && n.ip === p.ip));
}

/**
 * Waits until the head's GCS answers and every pod's node is ALIVE as Ray sees it. A pod whose
 * Ray exits meanwhile fails at once, naming the pod and the last useful line of its logs.
 */
export async function waitRayReady(state: LabState, timeoutMs: number): Promise<RayNode[]> {
  const { plan, pids } = state;
  const until = Date.now() + timeoutMs;
  let last = "no answer yet";
  for (;;) {
    for (const pod of plan.pods) {
      const pid = pids[pod.name];
      if (pid && groupMembers(pid).length === 0) {
        const cause = await rayFailureLine(plan, pod);
        throw new RaytlsError("pod-died", `pod ${pod.name}: Ray exited during start-up${cause ? `: ${cause}` : ""}`, { hint: `see ${pod.log} and ${join(podTmpDir(plan, pod), "ray", "session_latest", "logs")}`, kind: "check" });
      }
    }
    const r = await rayNodes(state);
    if (r.nodes) {
      if (allPodsAlive(plan, r.nodes)) return r.nodes;
      last = `${r.nodes.filter((n) => n.alive).length}/${plan.pods.length} pods' nodes alive`;
    } else last = r.error;
    if (Date.now() > until) break;
    await new Promise((res) => setTimeout(res, 500));
  }
  throw new RaytlsError("lab-not-ready", `the Ray lab did not become ready in ${Math.round(timeoutMs / 1000)} s: ${last}`, {
    hint: `see the logs in ${plan.dir}/logs and ${plan.dir}/pods/<pod>/tmp/ray/session_latest/logs`,
    kind: "check",
  });
}

const USEFUL = /error|invalid|fail|refused|timed out|exception|no match|cannot|unable/i;

/** The last line that says what went wrong: from the `ray start` output, else Ray's *.err / *.out logs. */
export async function rayFailureLine(plan: LabPlan, pod: PodPlan): Promise<string | undefined> {
  const pick = (text: string) => {
    const lines = text.slice(-16384).split("\n").map((l) => l.trim()).filter(Boolean);
    return [...lines].reverse().find((l) => USEFUL.test(l) && !/^\s*(File|Traceback)/.test(l));
  };
  const logsDir = join(podTmpDir(plan, pod), "ray", "session_latest", "logs");
  const files = await fsp.readdir(logsDir).catch(() => [] as string[]);
  // Ray's own components first (gcs_server.err says "Invalid cert chain file"), then its CLI output.
  for (const f of files.filter((x) => /^(gcs_server|raylet)\.(err|out)$/.test(x)).sort()) {
    const line = pick(await fsp.readFile(join(logsDir, f), "utf8").catch(() => ""));
    if (line) return `${f}: ${line}`;
  }
  const startLog = await fsp.readFile(pod.log, "utf8").catch(() => "");
  return pick(startLog) ?? startLog.trim().split("\n").pop();
}

/** Waits for `ray start`'s "Ray runtime started" in the pod's log (cheap: no Ray client per poll). */
async function waitStarted(plan: LabPlan, pod: PodPlan, pid: number, from: number, until: number): Promise<void> {
  for (;;) {
    const text = (await fsp.readFile(pod.log, "utf8").catch(() => "")).slice(from);
    if (text.includes("Ray runtime started")) return;
    if (groupMembers(pid).length === 0) {
      const cause = await rayFailureLine(plan, pod);
      throw new RaytlsError("pod-died", `pod ${pod.name}: Ray exited during start-up${cause ? `: ${cause}` : ""}`, { hint: `see ${pod.log} and ${join(podTmpDir(plan, pod), "ray", "session_latest", "logs")}`, kind: "check" });
    }
    if (Date.now() > until) {
      const cause = await rayFailureLine(plan, pod);
      throw new RaytlsError("lab-not-ready", `pod ${pod.name}: Ray did not start in time${cause ? `; last: ${cause}` : ""}`, { hint: `see ${pod.log}`, kind: "check" });
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Starts the given pods' Ray (all of them by default): the head first (workers join it), each
 * PID saved to the state file before anything else happens, then waits until Ray sees every
 * pod's node alive.
 */
export async function startRayPods(state: LabState, timeoutMs: number, log: (l: string) => void = () => {}, only?: string[]): Promise<RayNode[]> {
  const plan = state.plan;
  const ray = state.ray!;
  const until = Date.now() + timeoutMs;
  const pods = plan.pods.filter((p) => !only || only.includes(p.name));
  const head = pods.find((p) => p.role === "head");
  writeRaytlsShim(plan.dir);
  const starting: Array<{ pod: PodPlan; pid: number; from: number }> = [];
  const start = async (pod: PodPlan) => {
    const tmp = podTmpDir(plan, pod);
    if (!state.podTmpDirs?.includes(tmp)) {
      state.podTmpDirs = [...(state.podTmpDirs ?? []), tmp];
      await saveState(state);
    }
    const from = (await fsp.stat(pod.log).catch(() => ({ size: 0 }))).size;
    const pid = startRayPod(plan, pod, ray);
    state.pids[pod.name] = pid;
    await saveState(state);
    log(`started Ray ${pod.role} ${pod.name} at ${pod.ip} (pid/pgid ${pid}; /tmp = ${tmp})`);
    starting.push({ pod, pid, from });
    return { pod, pid, from };
  };
  if (head) {
    const h = await start(head);
    await waitStarted(plan, head, h.pid, h.from, until);
  }
  for (const w of pods.filter((p) => p.role === "worker")) await start(w);
  await Promise.all(starting.filter((s) => s.pod !== head).map((s) => waitStarted(plan, s.pod, s.pid, s.from, until)));
  return waitRayReady(state, Math.max(1000, until - Date.now()));
}

/** Stops the given pods' Ray (all by default) by process group, in parallel. */
export async function stopRayPods(state: LabState, only?: string[]): Promise<Array<{ pod: string; pid: number; how: string }>> {
  const ray = state.ray!;
  return Promise.all(
    Object.entries(state.pids)
      .filter(([pod]) => !only || only.includes(pod))
      .map(async ([pod, pid]) => ({ pod, pid, how: await stopGroup(pid, ray) })),
  );
}
