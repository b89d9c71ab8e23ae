/**
 * `raytls demo` as a process: Ctrl-C (SIGINT) in the middle still stops every pod it started, and
 * the exit code says it was interrupted (130).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, execFileSync } from "node:child_process";
import { waitForOutput } from "../helpers/wait.js";
import { buildCliBundle } from "./cli-bundle.js";

let bundle: Awaited<ReturnType<typeof buildCliBundle>>;
beforeAll(async () => {
  bundle = await buildCliBundle();
});
afterAll(() => bundle?.cleanup());

function podsOf(entry: string): string[] {
  const out = execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" });
  return out.split("\n").filter((l) => l.includes(`${entry} node --role`));
}

describe("raytls demo (process)", () => {
  it("Ctrl-C during the demo leaves no pod process behind", async () => {
    const child = spawn(process.execPath, [bundle.entry, "demo"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    // wait until the pods are up (the "cluster" step), then interrupt
    await waitForOutput(child, /The cluster:/, { timeoutMs: 20_000, what: "the demo's cluster step" });
    expect(podsOf(bundle.entry).length).toBeGreaterThan(0);
    child.kill("SIGINT");
    const code = await new Promise<number>((r) => child.once("exit", (c) => r(c ?? 1)));
    expect(out).toContain("interrupted");
    expect(code).toBe(130); // 128 + SIGINT, as a shell reports Ctrl-C
    expect(podsOf(bundle.entry)).toEqual([]);
  });
});
