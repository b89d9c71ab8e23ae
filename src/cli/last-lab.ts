/**
 * The last lab `raytls lab up` started, remembered in $TMPDIR/raytls-lab/last-lab.json, so that
 * `lab status` and `lab down` without --dir find a lab started with --dir (issue 11) instead of
 * saying "no lab" while it runs.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

export function lastLabFile(): string {
  return join(tmpdir(), "raytls-lab", "last-lab.json");
}

export function rememberLab(dir: string, name: string): void {
  try {
    mkdirSync(dirname(lastLabFile()), { recursive: true, mode: 0o700 });
    writeFileSync(lastLabFile(), JSON.stringify({ dir: resolve(dir), name }) + "\n", { mode: 0o600 });
  } catch {
    /* a convenience only: the lab runs without it */
  }
}

export function lastLab(): { dir: string; name: string } | undefined {
  try {
    const v = JSON.parse(readFileSync(lastLabFile(), "utf8")) as { dir?: unknown; name?: unknown };
    return typeof v.dir === "string" && typeof v.name === "string" ? { dir: v.dir, name: v.name } : undefined;
  } catch {
    return undefined;
  }
}

/** Forgets the remembered lab when it is the one in `dir` (after `lab down`). */
export function forgetLab(dir: string): void {
  if (lastLab()?.dir === resolve(dir)) rmSync(lastLabFile(), { force: true });
}
