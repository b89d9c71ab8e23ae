/**
 * CPU time of a pod's processes from /proc, for `bench ray` (issue 10): utime + stime of every
 * process in each pod's network namespace, grouped by what the process is (raylet, gcs_server,
 * core workers, the bench's driver, the rest), sampled before and after a piece of work. The
 * difference says where a transfer spent its CPU and whether the machine's cores were saturated.
 *
 * /proc/PID/stat of a process (the thread-group leader) sums the CPU of all its threads, live and
 * exited (proc(5)), so one read per process covers Ray's thread pools.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { RaytlsError } from "../errors.js";
import { parseProcStat, type ProcStat } from "../io/proc-stat.js";

const run = promisify(execFile);

export const PROCESS_GROUPS = ["raylet", "gcs_server", "core workers", "driver", "other"] as const;
export type ProcessGroup = (typeof PROCESS_GROUPS)[number];

/**
 * What a Ray pod's process is, from its name and argv (/proc/PID/cmdline): the raylet and GCS by
 * their binaries; core workers by the `ray::` title Ray gives them (setproctitle); the bench's
 * driver by its script; the rest (`ray start`, log monitor, autoscaler, agents) is "other".
 */
export function processGroup(comm: string, argv: string[], driverScript: string): ProcessGroup {
  const exe = argv[0] ?? "";
  if (comm === "raylet" || exe.endsWith("/raylet")) return "raylet";
  if (comm === "gcs_server" || exe.endsWith("/gcs_server")) return "gcs_server";
  if (argv.some((a) => a.endsWith(driverScript))) return "driver";
  if (comm.startsWith("ray::") || exe.startsWith("ray::") || argv.some((a) => a.endsWith("/default_worker.py"))) return "core workers";
  return "other";
}

/** CPU seconds per `<pod> <group>` key, e.g. `head raylet`. */
export type CpuSeconds = Record<string, number>;

export interface CpuSnapshot {
  /** performance.now() when the snapshot was taken. */
  at: number;
  /** pid -> key, CPU ticks and minor page faults so far. */
  procs: Map<number, { key: string; ticks: number; minflt: number }>;
}

/** Ticks per second of /proc's CPU times (getconf CLK_TCK; 100 on Linux unless built otherwise). */
export async function clockTicks(): Promise<number> {
  const out = await run("getconf", ["CLK_TCK"]).then((r) => Number(r.stdout.trim()), () => NaN);
  return Number.isInteger(out) && out > 0 ? out : 100;
}

async function readProc(pid: number): Promise<{ stat: ProcStat; argv: string[] } | undefined> {
  try {
    const [stat, cmdline] = await Promise.all([readFile(`/proc/${pid}/stat`, "utf8"), readFile(`/proc/${pid}/cmdline`, "utf8")]);
    return { stat: parseProcStat(stat.trim(), `/proc/${pid}/stat`), argv: cmdline.split("\0").filter(Boolean) };
  } catch (err) {
    if (err instanceof RaytlsError) throw err;
    return undefined; // exited between listing and reading
  }
}

/** Every process of every pod, now. `pods`: the pod's name and its processes' ids. */
export async function cpuSnapshot(pods: Array<{ pod: string; pids: number[] }>, driverScript: string): Promise<CpuSnapshot> {
  const procs = new Map<number, { key: string; ticks: number; minflt: number }>();
  for (const { pod, pids } of pods) {
    for (const p of await Promise.all(pids.map(readProc))) {
      if (p) procs.set(p.stat.pid, { key: `${pod} ${processGroup(p.stat.comm, p.argv, driverScript)}`, ticks: p.stat.utime + p.stat.stime, minflt: p.stat.minflt });
    }
  }
  return { at: performance.now(), procs };
}

/**
 * CPU seconds and minor page faults between two snapshots, per key, and the wall seconds between
 * them. A process born in between counts from zero; one that exited in between is lost (its time
 * is gone with it).
 */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot, ticksPerSecond: number): { wall: number; cpu: CpuSeconds; faults: number } {
  const cpu: CpuSeconds = {};
  let faults = 0;
  for (const [pid, now] of after.procs) {
    const was = before.procs.get(pid);
    // A worker renamed in between (default_worker.py -> ray::IDLE) keeps its pid and its ticks.
    const ticks = now.ticks - (was?.ticks ?? 0);
    if (ticks > 0) cpu[now.key] = (cpu[now.key] ?? 0) + ticks / ticksPerSecond;
    faults += Math.max(0, now.minflt - (was?.minflt ?? 0));
  }
  return { wall: (after.at - before.at) / 1000, cpu, faults };
}
