/**
 * The lab's state file (DIR/lab-state.json): what was started, so `raytls lab down` can undo it
 * after a crash. Written before each process starts and after, so no PID or namespace is ever
 * running without being recorded.
 */
import { promises as fsp } from "node:fs";
import { join } from "node:path";
import { describeCause, RaytlsError } from "../errors.js";
import { writeFilesAtomically } from "../io/secure-files.js";
import type { LabPlan } from "./lab-plan.js";
import type { RayRuntime } from "./ray-runtime.js";

export interface LabState {
  version: 1;
  plan: LabPlan;
  createdAt: string;
  /** pod name -> PID of its `raytls node` process. */
  pids: Record<string, number>;
  /** Network namespaces created (netns mode). */
  netns: string[];
  /** /etc/netns/<ns> directories created. */
  etcNetnsDirs: string[];
  /** Signer mode: the `raytls signer serve` process and the URL it listens on. */
  signer?: { pid: number; url?: string };
  /**
   * A `--ray` lab: the Ray in use. Then `pids` are the PIDs of each pod's first process (`unshare`, parent of `ray start --block`),
   * each the leader of its own process group (stopped by group), and `podTmpDirs` the pods'
   * private /tmp directories (recorded before they are made, removed by `lab down`).
   */
  ray?: RayRuntime;
  podTmpDirs?: string[];
}

export function statePath(dir: string): string {
  return join(dir, "lab-state.json");
}

export async function saveState(state: LabState): Promise<void> {
  await writeFilesAtomically([{ path: statePath(state.plan.dir), data: JSON.stringify(state, null, 2) + "\n", mode: 0o600 }], { force: true });
}

export async function loadState(dir: string): Promise<LabState | undefined> {
  let text: string;
  try {
    text = await fsp.readFile(statePath(dir), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new RaytlsError("lab-state-unreadable", `cannot read ${statePath(dir)}: ${describeCause(err)}`, {
      hint: "run as the user who started the lab (root for --netns and --ray), or pass another --dir",
      cause: err,
    });
  }
  const bad = (why: string, cause?: unknown) =>
    new RaytlsError("bad-lab-state", `${statePath(dir)} is not a raytls lab state file: ${why}`, {
      hint: "remove it by hand after checking no raytls node process is running",
      ...(cause !== undefined ? { cause } : {}),
    });
  let s: Partial<LabState> | null;
  try {
    s = JSON.parse(text) as Partial<LabState> | null;
  } catch (err) {
    throw bad(describeCause(err), err);
  }
  if (s === null || typeof s !== "object" || s.version !== 1 || !s.plan) throw bad("unknown format (not version 1 with a plan)");
  return s as LabState;
}

export async function removeState(dir: string): Promise<void> {
  await fsp.rm(statePath(dir), { force: true });
}
