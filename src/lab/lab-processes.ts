/**
 * Starting and stopping the pods' `raytls node` processes, always by PID (never by name), each
 * detached in its own process group with its output in DIR/logs/<pod>.log.
 */
import { spawn } from "node:child_process";
import { openSync, closeSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { RaytlsError } from "../errors.js";
import { readProcStat } from "../io/proc-stat.js";
import { raytlsCommand } from "../io/package-root.js";
import type { PodPlan } from "./lab-plan.js";

export function startPod(pod: PodPlan, baseEnv: NodeJS.ProcessEnv = process.env): number {
  const nodeArgs = ["node", "--role", pod.role, "--port", String(pod.port)];
  if (pod.role === "head") nodeArgs.push("--bind", pod.netns ? "0.0.0.0" : pod.ip);
  return startRaytls(nodeArgs, { log: pod.log, env: pod.env, ...(pod.netns ? { netns: pod.netns } : {}) }, baseEnv);
}

/**
 * Starts `raytls <args>` detached in its own process group (inside `netns` when given: `ip netns
 * exec` execs, so the PID is raytls's own), stdout and stderr appended to `log`. Returns the PID.
 */
export function startRaytls(raytlsArgs: string[], o: { log: string; env?: Record<string, string>; netns?: string }, baseEnv: NodeJS.ProcessEnv = process.env): number {
  const { cmd, args } = raytlsCommand();
  const full = [...args, ...raytlsArgs];
  const [file, argv] = o.netns ? ["ip", ["netns", "exec", o.netns, cmd, ...full]] : [cmd, full];
  const env = { PATH: baseEnv.PATH ?? "/usr/bin:/bin", ...(baseEnv.RAYTLS_DEBUG ? { RAYTLS_DEBUG: baseEnv.RAYTLS_DEBUG } : {}), ...(o.env ?? {}) };
  return spawnDetached(file, argv, { log: o.log, env });
}

/**
 * Starts `file args` detached, the leader of its own process group (so it can be stopped by
 * group), stdout and stderr appended to `log` (0600). Returns the PID (= PGID).
 */
export function spawnDetached(file: string, args: string[], o: { log: string; env: NodeJS.ProcessEnv }): number {
  mkdirSync(dirname(o.log), { recursive: true, mode: 0o700 });
  const fd = openSync(o.log, "a", 0o600);
  try {
    const child = spawn(file, args, { detached: true, stdio: ["ignore", fd, fd], env: o.env });
    // A spawn that fails (ENOENT, EACCES) has no PID and also emits 'error' on the next tick, which
    // would end the whole process with no listener; the missing PID already reports it below.
    child.on("error", () => {});
    child.unref();
    if (!child.pid) {
      throw new RaytlsError("lab-start-failed", `could not start ${file} ${args.slice(0, 3).join(" ")}${args.length > 3 ? " ..." : ""} (log: ${o.log})`, {
        kind: "check",
        hint: `check that ${file} is installed and executable, and on the PATH the lab passes (${o.env.PATH ?? "no PATH"})`,
      });
    }
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** Running: it exists and is not a zombie (exited, waiting for its parent to reap it). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  return !isZombie(pid);
}

/** Is `pid` still one of ours (a `raytls ... node` or `raytls ... signer serve` process), not a recycled PID? */
export function isOurs(pid: number): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    const sub = cmdline.findIndex((a) => a.endsWith(".mjs") && a.includes("raytls"));
    if (sub < 0) return false;
    return cmdline[sub + 1] === "node" || (cmdline[sub + 1] === "signer" && cmdline[sub + 2] === "serve");
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export async function stopPid(pid: number, graceMs = 2000): Promise<"stopped" | "killed" | "gone"> {
  if (!isAlive(pid) || !isOurs(pid)) return "gone";
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return "gone";
  }
  const until = Date.now() + graceMs;
  while (Date.now() < until) {
    if (!isAlive(pid)) return "stopped";
    await new Promise((r) => setTimeout(r, 25));
  }
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    /* gone meanwhile */
  }
  // SIGKILL is delivered asynchronously: wait until it has taken effect, so callers that check
  // right after (lab down, the demo's "nothing left running") see it gone.
  for (const until2 = Date.now() + 2000; isAlive(pid) && Date.now() < until2; ) await new Promise((r) => setTimeout(r, 10));
  return "killed";
}

function isZombie(pid: number): boolean {
  const s = readProcStat(pid);
  // No /proc entry: gone (or not Linux, where kill(pid, 0) already answered).
  return s ? s.state === "Z" : process.platform === "linux";
}
