/**
 * `raytls lab exec POD -- CMD...`, like `kubectl exec`: CMD runs in the pod's network namespace
 * with its hosts file, its environment (Ray's TLS variables, KubeRay's FQ_RAY_IP, RAY_IP,
 * RAY_ADDRESS, POD_IP) and, in a --ray lab, its private /tmp with the lab's Ray (`ray`, `python`)
 * first on PATH. `$NAME` and `${NAME}` in the arguments are expanded from the pod's environment
 * (as the pod's shell would: unknown names become empty; `$$` is a literal `$`), so
 * `raytls lab exec worker-1 -- ray health-check --address '$FQ_RAY_IP:6379'` is the seed's Step 4.
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { RaytlsError } from "../errors.js";
import { loadState, type LabState } from "./lab-state.js";
import type { PodPlan } from "./lab-plan.js";
import { enterRayPod } from "./lab-ray.js";
import { podArgv } from "./ray-runtime.js";

export interface LabExecOptions {
  /** Kill the command (SIGKILL to its process) after this long; exit code 124 then. Default: none. */
  timeoutMs?: number;
  /** Collect stdout/stderr instead of inheriting this process's. Default false. */
  capture?: boolean;
  /** Extra variables on top of the pod's (e.g. RAY_py_gcs_connect_timeout_s). */
  env?: Record<string, string>;
}

export interface LabExecResult {
  /** The command's exit code; 128+N when killed by signal N; 124 on timeout. */
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** `$NAME` / `${NAME}` from `env`; `$$` stays a literal `$`. */
export function expandPodVars(arg: string, env: Record<string, string>): string {
  return arg.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, a?: string, b?: string) => (m === "$$" ? "$" : (env[(a ?? b)!] ?? "")));
}

/** The pod's environment and the argv that enters it, for a lab's state. */
export function podCommand(state: LabState, pod: PodPlan, argv: string[], extraEnv: Record<string, string> = {}): { file: string; args: string[]; env: Record<string, string> } {
  if (state.ray) {
    // The running pod's namespaces (its PID namespace too: Ray drivers find their raylet by process list).
    const env = { ...enterRayPod(state, pod, []).env, ...extraEnv };
    return { ...enterRayPod(state, pod, argv.map((a) => expandPodVars(a, env))), env };
  }
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", ...pod.env, ...extraEnv };
  return { ...podArgv(pod, argv.map((a) => expandPodVars(a, env))), env };
}

export function findPod(state: LabState, name: string): PodPlan {
  const pod = state.plan.pods.find((p) => p.name === name);
  if (!pod) {
    throw new RaytlsError("no-such-pod", `no pod "${name}" in lab ${state.plan.name} (${state.plan.dir})`, { hint: `pods: ${state.plan.pods.map((p) => p.name).join(", ")}` });
  }
  return pod;
}

export async function labExec(dir: string, podName: string, argv: string[], o: LabExecOptions = {}): Promise<LabExecResult> {
  if (argv.length === 0) throw new RaytlsError("no-command", "lab exec: no command given", { hint: "e.g. raytls lab exec worker-1 -- ray health-check --address '$FQ_RAY_IP:6379'" });
  const state = await loadState(dir);
  if (!state) throw new RaytlsError("no-lab", `no lab in ${dir}`, { hint: "start one with raytls lab up (or pass --dir)" });
  const pod = findPod(state, podName);
  const { file, args, env } = podCommand(state, pod, argv, o.env);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    // Captured runs (library use) get their own process group, so a timeout kills what nsenter
    // forked into the pod as well; interactive runs stay in the terminal's group (Ctrl-C reaches them).
    const child = spawn(file, args, { env, stdio: o.capture ? ["ignore", "pipe", "pipe"] : "inherit", detached: Boolean(o.capture) });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr?.on("data", (b: Buffer) => (stderr += b.toString()));
    let timedOut = false;
    const timer = o.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          try {
            if (o.capture && child.pid) process.kill(-child.pid, "SIGKILL");
            else child.kill("SIGKILL");
          } catch {
            /* exited meanwhile */
          }
        }, o.timeoutMs)
      : undefined;
    child.on("error", (err) => {
      if (timer) clearTimeout(timer);
      reject(new RaytlsError("exec-failed", `lab exec ${podName}: cannot run ${file}: ${err.message}`, { kind: "check", cause: err }));
    });
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      const sig = signal ? (constants.signals as Record<string, number>)[signal] ?? 0 : 0;
      resolve({ code: timedOut ? 124 : code ?? 128 + sig, stdout, stderr, ms: Math.round(performance.now() - t0) });
    });
  });
}
