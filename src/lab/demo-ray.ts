/**
 * `raytls demo --ray` (issue 9 item 3): the seed's Steps 1-4 with Ray itself in a netns Ray lab.
 * From a worker pod, `ray health-check` by the FQDN passes; by the short name Ray's own outcome
 * (exit code, seconds, last line; its GCS timeout shortened with RAY_py_gcs_connect_timeout_s=4)
 * is shown beside raytls's diagnosis and fix; the fix is applied (head re-issued with --dns,
 * Ray restarted) and Ray's check by the short name passes. Then a Ray job from the worker pod:
 * tasks on every node, objects across nodes both ways. Stops everything before it returns.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { formatSans } from "../pki/san.js";
import { labDown, labUp } from "./lab.js";
import { labExec } from "./lab-exec.js";
import { reissueHead } from "./lab-reissue.js";
import { execInPod } from "./pod-exec.js";
import { listLabNetns } from "./netns.js";
import { groupMembers } from "./lab-ray.js";
import { RAY_JOB_PY, parseRayJob } from "./ray-job.js";
import { caKeyStep, signerSteps, stepRecorder, type DemoReport, type DemoStep } from "./demo-steps.js";

export interface RayDemoOptions {
  workers?: number;
  /** `ray` to use (default as `lab up --ray`). */
  rayBin?: string;
  signer?: boolean;
  keep?: boolean;
  /** Default: a new directory under /var/tmp (never /tmp: pods have their own). */
  dir?: string;
  name?: string;
  /** Ray's GCS connect timeout for the failing check, in seconds (default 4). */
  gcsTimeoutS?: number;
  onStep?: (s: DemoStep) => void;
  signal?: AbortSignal;
}

const lastLine = (text: string) => text.trim().split("\n").map((l) => l.trim()).filter(Boolean).pop() ?? "(no output)";

export async function runRayDemo(o: RayDemoOptions): Promise<DemoReport> {
  const t0 = performance.now();
  const name = o.name ?? "raycluster-tls";
  const dir = o.dir ?? (await mkdtemp("/var/tmp/raytls-demo-ray-"));
  const { steps, emit } = stepRecorder(dir, o);
  let pids: number[] = [];
  const worker = "worker-1";
  try {
    const up = await labUp({ name, namespace: "default", workers: o.workers ?? 1, mode: "netns", dir, signer: Boolean(o.signer), ray: { ...(o.rayBin ? { bin: o.rayBin } : {}) } });
    const { plan } = up.state;
    const ray = up.state.ray!;
    pids = Object.values(up.state.pids);
    if (plan.signer) await signerSteps(dir, up, emit);
    else emit({
      id: "1-2",
      title: "Steps 1-2: a CA, and one certificate per pod bound to its IP",
      lines: [`CA valid until ${up.pki.caNotAfter}`, ...up.pki.pods.map((p) => `${p.name.padEnd(9)} ${formatSans(p.sans)}`)],
      ok: true,
    });
    const w = plan.pods.find((p) => p.name === worker)!;
    emit({
      id: "3",
      title: "Step 3: Ray's TLS environment and KubeRay's variables in every pod",
      lines: [`${worker}:`, ...Object.entries(w.env).map(([k, v]) => `  ${k}=${v}`)],
      ok: true,
    });
    emit({
      id: "up",
      title: `The cluster: Ray ${ray.version} itself in ${plan.pods.length} pods (own network, PID namespace and /tmp each), up in ${(up.ms / 1000).toFixed(1)} s`,
      lines: [
        `ray: ${ray.bin} (${ray.source})`,
        ...plan.pods.map((p) => {
          const n = up.rayNodes?.find((x) => x.ip === p.ip);
          return `${p.name.padEnd(9)} ${p.ip}  ray start --block (pgid ${up.state.pids[p.name]})  Ray node ${n?.alive ? "ALIVE" : "missing"}${p.role === "head" ? `  ${plan.headFqdn}:${plan.port}` : ""}`;
        }),
      ],
      ok: Boolean(up.rayNodes?.length === plan.pods.length),
    });
    const timeoutEnv = { RAY_py_gcs_connect_timeout_s: String(o.gcsTimeoutS ?? 4) };
    const rayCheck = async (varName: string, extraEnv: Record<string, string> = {}) => {
      const argv = ["ray", "health-check", "--address", `$${varName}:${plan.port}`];
      const r = await labExec(dir, worker, argv, { capture: true, timeoutMs: 120_000, env: extraEnv });
      return { r, shown: `raytls lab exec ${worker} -- ${argv.map((a) => (a.includes("$") ? `'${a}'` : a)).join(" ")}` };
    };
    const a = await rayCheck("FQ_RAY_IP");
    emit({
      id: "4a",
      title: `Step 4: from ${worker}, Ray's own check by the FQDN ($FQ_RAY_IP) passes`,
      lines: [`ray health-check exit ${a.r.code} in ${(a.r.ms / 1000).toFixed(1)} s`],
      command: { shown: a.shown, exitCode: a.r.code, expected: 0, output: (a.r.stdout + a.r.stderr).trim().split("\n").slice(-3).join("\n") },
      ok: a.r.code === 0,
    });
    const [b, ours] = await Promise.all([rayCheck("RAY_IP", timeoutEnv), execInPod(w, ["health-check", "--address", `${plan.headShort}:${plan.port}`])]);
    emit({
      id: "4b",
      title: `Step 4: by the short name ($RAY_IP): Ray fails without saying why; raytls says why and how to fix it`,
      lines: [
        `Ray:    exit ${b.r.code} after ${(b.r.ms / 1000).toFixed(1)} s (RAY_py_gcs_connect_timeout_s=${timeoutEnv.RAY_py_gcs_connect_timeout_s}; Ray's default waits about 40 s); its last line:`,
        `        ${lastLine(b.r.stdout + b.r.stderr)}`,
        `raytls: exit ${ours.code} (${ours.shown}):`,
        ...(ours.stdout + ours.stderr).trim().split("\n").map((l) => `        ${l}`),
      ],
      ok: b.r.code !== 0 && ours.code === 1 && (ours.stdout + ours.stderr).includes(`--dns ${plan.headShort}`),
    });
    o.signal?.throwIfAborted();
    const fix = await reissueHead(dir, [plan.headShort]);
    const c = await rayCheck("RAY_IP", timeoutEnv);
    emit({
      id: "4c",
      title: `The fix: the short name on the head certificate (--dns, the seed's DNS.3 = $RAY_IP${plan.signer ? "; the head asks the signer again, which allows it: --head-dns" : ""}), Ray restarted; Ray's check by the short name passes`,
      lines: [...(fix.run ? [`$ ${fix.run.exec.shown}`] : []), `head certificate now: ${formatSans(fix.sans)}`, `re-issued and Ray restarted in ${(fix.ms / 1000).toFixed(1)} s (Ray reads certificates only at start); every node alive again`, `ray health-check exit ${c.r.code} in ${(c.r.ms / 1000).toFixed(1)} s`],
      command: { shown: c.shown, exitCode: c.r.code, expected: 0, output: (c.r.stdout + c.r.stderr).trim().split("\n").slice(-3).join("\n") },
      ok: c.r.code === 0,
    });
    const job = await labExec(dir, worker, ["python", "-c", RAY_JOB_PY], { capture: true, timeoutMs: 180_000 });
    const res = parseRayJob(job.stdout);
    const podIps = plan.pods.map((p) => p.ip).sort();
    const allNodes = Boolean(res && podIps.every((ip) => res.taskIps.includes(ip)));
    const crossed = Boolean(res && res.moved.length > 0 && res.moved.every((m) => m.same && m.from !== m.to && m.bytes > 0));
    emit({
      id: "job",
      title: `A Ray job from ${worker} (the venv's python): tasks on every node, objects across nodes, all over mTLS`,
      lines: res
        ? [
            `tasks ran on ${res.taskIps.join(", ")} (pods: ${podIps.join(", ")})`,
            ...res.moved.map((m) => `object of ${m.bytes} bytes made on ${m.from}, read on ${m.to}: ${m.same ? "identical" : "DIFFERENT"}`),
            `in ${(job.ms / 1000).toFixed(1)} s: GCS, raylets, object managers and core workers all used raytls's certificates`,
          ]
        : [`the job failed (exit ${job.code}): ${lastLine(job.stderr || job.stdout)}`],
      command: { shown: `raytls lab exec ${worker} -- python -c "$RAY_JOB_PY"   # src/lab/ray-job.ts`, exitCode: job.code, expected: 0, output: "" },
      ok: job.code === 0 && allNodes && crossed,
    });
    if (plan.signer) await caKeyStep(dir, plan, emit);
  } finally {
    const down = await labDown(dir, name).catch(() => undefined);
    const left = pids.filter((p) => groupMembers(p).length > 0);
    const netnsLeft = await listLabNetns(name);
    emit({
      id: "down",
      title: "Cleanup",
      lines: [
        `stopped ${down?.stopped.length ?? 0} ${o.signer ? "processes (Ray pods by process group, and the signer)" : "Ray pods by process group"}${down?.netnsRemoved.length ? `, removed ${down.netnsRemoved.length} network namespaces and the pods' /tmp` : ""}`,
        left.length || netnsLeft.length ? `LEFT BEHIND: process groups ${left.join(", ")} namespaces ${netnsLeft.join(", ")}` : "nothing left running",
        o.keep || o.dir ? `files kept in ${dir}` : `files removed from ${dir} (--keep keeps them)`,
      ],
      ok: left.length === 0 && netnsLeft.length === 0,
    });
    if (!o.keep && !o.dir) await rm(dir, { recursive: true, force: true });
  }
  return { ok: steps.every((s) => s.ok), dir, kept: Boolean(o.keep || o.dir), steps, leftovers: { processes: pids.filter((p) => groupMembers(p).length > 0), netns: await listLabNetns(name) }, ms: Math.round(performance.now() - t0) };
}

/** Where the demo's lab lives by default (for messages). */
export const RAY_DEMO_DIR_HINT = join("/var/tmp", "raytls-demo-ray-*");
