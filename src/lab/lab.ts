/**
 * `raytls lab up/status/down`: a Ray cluster on this machine, pods as `raytls node` processes
 * (see lab-plan.ts for the two network modes), or with `ray` as Ray itself (`ray start --block`
 * per pod, netns mode only: lab-ray.ts). Never prints: progress goes to `log`.
 */
import { promises as fsp } from "node:fs";
import { dirname, join } from "node:path";
import { writeFilesAtomically } from "../io/secure-files.js";
import { RaytlsError } from "../errors.js";
import { sanStrings } from "../pki/san.js";
import { planLab, type LabPlan, type PlanOptions, type PodPlan } from "./lab-plan.js";
import { makeLabPki, type LabPkiResult } from "./lab-pki.js";
import { loadState, removeState, saveState, type LabState } from "./lab-state.js";
import { isAlive, isOurs, startPod, stopPid } from "./lab-processes.js";
import { createNetwork, deleteNetwork, listLabNetns, netnsUnavailable } from "./netns.js";
import { execInPod } from "./pod-exec.js";
import { issueAllFromSigner, makeSignerFiles, readAudit, startSignerProcess, waitSignerReady, type PodCertRun } from "./lab-signer.js";
import type { NodeInfoMsg } from "../ray/lab-schema.js";
import { readCertificatePem } from "../pki/certificate-reader.js";
import { groupMembers, isRayGroup, rayNodes, startRayPods, stopRayPods, type RayNode } from "./lab-ray.js";
import { checkRayLabDir, findRay } from "./ray-runtime.js";

export interface LabUpOptions extends PlanOptions {
  /** Extra DNS SANs on the head certificate (e.g. the short name). */
  headDns?: string[];
  /** Default 20,000 ms (60,000 ms with `ray`). */
  readyTimeoutMs?: number;
  /**
   * Run Ray itself in the pods (netns mode only; `dir` outside /tmp). `bin`: the `ray` script
   * (default: $RAYTLS_RAY, then <package root>/.venv-ray/bin/ray, then PATH); must be Ray 2.x.
   */
  ray?: boolean | { bin?: string };
  log?: (line: string) => void;
}

export interface LabUpResult {
  state: LabState;
  pki: LabPkiResult;
  /** Signer mode: each pod's `pod-cert --signer` run (command, output, what it got). */
  signerRuns?: PodCertRun[];
  /** Embedded-node labs: what the raytls head knows of its workers ([] in a Ray lab). */
  nodes: NodeInfoMsg[];
  /** Ray labs: the nodes as Ray's GCS sees them, all alive. */
  rayNodes?: RayNode[];
  ms: number;
}

/** Is the recorded PID still running one of the lab's pods (a Ray process group in a Ray lab)? */
function podRunning(state: LabState, pid: number): boolean {
  if (!(pid > 0)) return false;
  return state.ray ? groupMembers(pid).length > 0 && isRayGroup(pid, state.ray) : isAlive(pid) && isOurs(pid);
}

export async function labUp(o: LabUpOptions): Promise<LabUpResult> {
  const t0 = performance.now();
  const log = o.log ?? (() => {});
  if (!Number.isInteger(o.workers) || o.workers < 1 || o.workers > 50) {
    throw new RaytlsError("bad-workers", `--workers: ${o.workers} is not between 1 and 50`, { hint: "a lab needs at least one worker pod; e.g. --workers 2" });
  }
  if (o.ray && o.mode !== "netns") throw new RaytlsError("ray-needs-netns", "a Ray lab runs in network namespaces (each pod its own, with a private /tmp)", { hint: "use --netns (as root) with --ray" });
  if (o.mode === "netns") {
    const why = await netnsUnavailable();
    if (why) throw new RaytlsError("netns-unavailable", why, { hint: o.ray ? "--ray runs each pod in its own network namespace: run as root (e.g. sudo)" : "run as root, or drop --netns to use loopback addresses" });
  }
  if (o.ray) checkRayLabDir(o.dir);
  const ray = o.ray ? await findRay(typeof o.ray === "object" ? o.ray.bin : undefined) : undefined;
  if (ray) log(`Ray ${ray.version}: ${ray.bin} (from ${ray.source})`);
  const existing = await loadState(o.dir);
  if (existing && [...Object.values(existing.pids).map((p) => podRunning(existing, p)), existing.signer?.pid ? isAlive(existing.signer.pid) && isOurs(existing.signer.pid) : false].some(Boolean)) {
    throw new RaytlsError("lab-running", `a lab is already running from ${o.dir}`, { hint: `run raytls lab down --dir ${o.dir} first` });
  }
  const plan = planLab(o);
  await fsp.mkdir(plan.dir, { recursive: true, mode: 0o700 });
  let pki: LabPkiResult;
  if (plan.signer) {
    log(`Step 1: CA in ${plan.signer.dir} (its key only there, for the signer); random head and worker tokens`);
    pki = { ...(await makeSignerFiles(plan)), pods: [] };
  } else {
    log(`Step 1-2: CA and one certificate per pod, bound to its IP, in ${plan.dir}`);
    pki = await makeLabPki(plan, { ...(o.headDns ? { headDns: o.headDns } : {}) });
  }
  await writePodEnvFiles(plan);
  const state: LabState = { version: 1, plan, createdAt: new Date().toISOString(), pids: {}, netns: [], etcNetnsDirs: [], ...(ray ? { ray, podTmpDirs: [] } : {}) };
  await saveState(state);
  let signerRuns: PodCertRun[] | undefined;
  try {
    if (plan.mode === "netns") {
      log(`network namespaces ${plan.bridgeNetns} (bridge) and one per pod${plan.signer ? " and the signer" : ""}, 10.244.0.0/24`);
      await createNetwork(plan, async (kind, name) => {
        (kind === "netns" ? state.netns : state.etcNetnsDirs).push(name);
        await saveState(state);
      });
    }
    if (plan.signer) {
      const pid = startSignerProcess(plan);
      state.signer = { pid };
      await saveState(state);
      const url = await waitSignerReady(plan.signer, pid);
      state.signer.url = url;
      await saveState(state);
      log(`signer listening on ${url} (pid ${pid}${plan.signer.netns ? `, namespace ${plan.signer.netns}` : ""}); audit log ${plan.signer.auditLog}`);
      log("Step 2: each pod runs raytls pod-cert --signer before its node starts (its key is made there)");
      const issued = await issueAllFromSigner(plan, url);
      signerRuns = issued.runs;
      pki.pods = issued.pods;
      for (const p of issued.pods) log(`  ${p.name}: ${sanStrings(p.sans).join(", ")}`);
    }
    if (ray) {
      const rayNodes = await startRayPods(state, o.readyTimeoutMs ?? 60_000, log);
      log(`Ray sees all ${rayNodes.length} nodes alive: ${rayNodes.map((n) => `${n.pod ?? "?"} ${n.ip}`).join(", ")}`);
      return { state, pki, ...(signerRuns ? { signerRuns } : {}), nodes: [], rayNodes, ms: Math.round(performance.now() - t0) };
    }
    for (const pod of plan.pods) {
      state.pids[pod.name] = startPod(pod);
      await saveState(state);
      log(`started ${pod.role} ${pod.name} at ${pod.ip}${pod.role === "head" ? `:${plan.port}` : ""} (pid ${state.pids[pod.name]})`);
    }
    const nodes = await waitReady(state, o.readyTimeoutMs ?? 20_000);
    log(`all ${nodes.length} workers registered and reachable by their pod IP`);
    return { state, pki, ...(signerRuns ? { signerRuns } : {}), nodes, ms: Math.round(performance.now() - t0) };
  } catch (err) {
    await labDown(plan.dir, plan.name).catch(() => undefined);
    throw err;
  }
}

/** Step 3: each pod's environment as a file (`set -a; . DIR/pods/<pod>/ray.env; set +a`). */
export function podEnvPath(pod: PodPlan): string {
  return join(dirname(pod.tlsDir), "ray.env");
}

async function writePodEnvFiles(plan: LabPlan): Promise<void> {
  await writeFilesAtomically(
    plan.pods.map((pod) => ({ path: podEnvPath(pod), data: Object.entries(pod.env).map(([k, v]) => `${k}=${v}`).join("\n") + "\n", mode: 0o644 })),
    { force: true },
  );
}

/** Polls the head (from inside the head pod) until every worker registered and was dialed back. */
export async function waitReady(state: LabState, timeoutMs: number): Promise<NodeInfoMsg[]> {
  const plan = state.plan;
  const head = plan.pods[0]!;
  const until = Date.now() + timeoutMs;
  let last = "no answer yet";
  while (Date.now() < until) {
    for (const [name, pid] of Object.entries(state.pids)) {
      if (!isAlive(pid)) {
        const log = plan.pods.find((p) => p.name === name)?.log;
        const cause = log ? await lastErrorLine(log) : undefined;
        throw new RaytlsError("pod-died", `pod ${name} (pid ${pid}) exited during start-up${cause ? `: ${cause}` : ""}`, { hint: `see ${log}`, kind: "check" });
      }
    }
    const r = await nodesFromPod(plan, head);
    if (r.nodes) {
      const ready = r.nodes.filter((n) => n.alive && n.dialBackOk);
      if (ready.length >= plan.pods.length - 1) return r.nodes;
      last = `${ready.length}/${plan.pods.length - 1} workers ready`;
    } else last = r.error;
    await new Promise((res) => setTimeout(res, 150));
  }
  throw new RaytlsError("lab-not-ready", `the lab did not become ready in ${timeoutMs} ms: ${last}`, { hint: `see the logs in ${plan.dir}/logs`, kind: "check" });
}

/** The pod log's last error line (`ERROR: ...`), else its last line: the cause, shown where it is needed. */
async function lastErrorLine(file: string): Promise<string | undefined> {
  const text = await fsp.readFile(file, "utf8").catch(() => "");
  const lines = text.slice(-8192).split("\n").map((l) => l.trim()).filter(Boolean);
  return [...lines].reverse().find((l) => /^ERROR:/.test(l))?.replace(/^ERROR:\s*/, "") ?? lines[lines.length - 1];
}

async function nodesFromPod(plan: LabPlan, pod: PodPlan): Promise<{ nodes?: NodeInfoMsg[]; error: string }> {
  // The head pod asks itself by its pod IP (the head certificate carries it).
  const r = await execInPod(pod, ["lab", "nodes", "--address", `${pod.ip}:${plan.port}`], 5000);
  if (r.code !== 0) return { error: r.stderr.trim().split("\n")[0] ?? `exit ${r.code}` };
  try {
    return { nodes: JSON.parse(r.stdout) as NodeInfoMsg[], error: "" };
  } catch {
    return { error: "unreadable answer" };
  }
}

export interface LabStatus {
  dir: string;
  running: boolean;
  plan?: LabPlan;
  /** certNotAfter: the pod certificate's expiry (ISO), when it can be read. */
  pods: Array<{ name: string; role: string; ip: string; pid: number; alive: boolean; certNotAfter?: string }>;
  nodes?: NodeInfoMsg[];
  /** A Ray lab: Ray's version and binary, and the nodes as Ray's GCS sees them. */
  ray?: { version: string; bin: string };
  rayNodes?: RayNode[];
  nodesError?: string;
  netns: string[];
  /** Signer mode: the signer process and its audit log. */
  signer?: { url?: string; pid: number; alive: boolean; auditLog: string; issued: number; refused: number };
}

export async function labStatus(dir: string, name?: string): Promise<LabStatus> {
  const state = await loadState(dir);
  if (!state) return { dir, running: false, pods: [], netns: name ? await listLabNetns(name) : [] };
  const plan = state.plan;
  const pods = await Promise.all(
    plan.pods.map(async (p) => {
      const pid = state.pids[p.name] ?? 0;
      const notAfter = await certNotAfter(join(p.tlsDir, "tls.crt"));
      return { name: p.name, role: p.role, ip: p.ip, pid, alive: podRunning(state, pid), ...(notAfter ? { certNotAfter: notAfter } : {}) };
    }),
  );
  const status: LabStatus = { dir, running: pods.some((p) => p.alive), plan, pods, netns: plan.mode === "netns" ? await listLabNetns(plan.name) : [] };
  if (plan.signer && state.signer) {
    const audit = await readAudit(plan.signer).catch(() => []);
    const pid = state.signer.pid;
    status.signer = {
      ...(state.signer.url ? { url: state.signer.url } : {}),
      pid,
      alive: pid > 0 && isAlive(pid) && isOurs(pid),
      auditLog: plan.signer.auditLog,
      issued: audit.filter((r) => r.decision === "issued").length,
      refused: audit.filter((r) => r.decision === "refused").length,
    };
  }
  if (state.ray) {
    status.ray = { version: state.ray.version, bin: state.ray.bin };
    if (pods[0]?.alive) {
      const r = await rayNodes(state);
      if (r.nodes) status.rayNodes = r.nodes;
      else status.nodesError = r.error;
    }
  } else if (pods[0]?.alive) {
    const r = await nodesFromPod(plan, plan.pods[0]!);
    if (r.nodes) status.nodes = r.nodes;
    else status.nodesError = r.error;
  }
  return status;
}

async function certNotAfter(file: string): Promise<string | undefined> {
  try {
    return readCertificatePem(await fsp.readFile(file, "utf8"), file).notAfter.toISOString();
  } catch {
    return undefined;
  }
}

export interface LabDownResult {
  stopped: Array<{ pod: string; pid: number; how: string }>;
  netnsRemoved: string[];
  hadState: boolean;
}

/** Stops every recorded process by PID and removes the lab's namespaces; safe to run twice. */
export async function labDown(dir: string, name?: string): Promise<LabDownResult> {
  const state = await loadState(dir);
  const labName = state?.plan.name ?? name;
  const stopped = state?.ray
    ? await stopRayPods(state)
    : await Promise.all(Object.entries(state?.pids ?? {}).map(async ([pod, pid]) => ({ pod, pid, how: await stopPid(pid) })));
  // The signer last: pods never need it once they have their certificates.
  if (state?.signer?.pid) stopped.push({ pod: "signer", pid: state.signer.pid, how: await stopPid(state.signer.pid) });
  let netnsRemoved: string[] = [];
  if (labName && (state?.plan.mode === "netns" || (!state && process.getuid?.() === 0))) {
    netnsRemoved = await deleteNetwork(labName, state?.netns ?? [], state?.etcNetnsDirs ?? []);
  }
  // A Ray lab's private /tmp dirs (Ray's sockets, session logs): only those the state recorded.
  for (const tmp of state?.podTmpDirs ?? []) await fsp.rm(tmp, { recursive: true, force: true });
  if (state) await removeState(dir);
  return { stopped, netnsRemoved, hadState: Boolean(state) };
}
