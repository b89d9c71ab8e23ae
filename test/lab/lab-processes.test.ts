/** Starting lab processes: a command that cannot start is a RaytlsError, and does not end the process that asked. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RaytlsError } from "../../src/errors.js";
import { spawnDetached, startRaytls } from "../../src/lab/lab-processes.js";
import { useTempDir } from "../helpers/temp-dir.js";

describe("spawnDetached", () => {
  const tmp = useTempDir("raytls-lab-processes-");

  it("a missing command: lab-start-failed (exit 1) naming it and the PATH, the log created, no crash on the spawn's 'error' event", async () => {
    const log = join(tmp.dir, "logs", "missing.log");
    let thrown: unknown;
    try {
      spawnDetached("raytls-no-such-command", ["a", "b"], { log, env: { PATH: "/nonexistent" } });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(RaytlsError);
    expect(thrown).toMatchObject({ code: "lab-start-failed", exitCode: 1 });
    expect((thrown as RaytlsError).message).toBe(`could not start raytls-no-such-command a b (log: ${log})`);
    expect((thrown as RaytlsError).hint).toContain("/nonexistent");
    expect(existsSync(log)).toBe(true);
    // The failed spawn's 'error' event fires on a later tick; without a listener it would end this process.
    await new Promise((r) => setTimeout(r, 50));
  });

  it("startRaytls in a namespace with no `ip` on PATH: the same error, naming ip", () => {
    expect(() => startRaytls(["node"], { log: join(tmp.dir, "pod.log"), netns: "raytls-c12-none" }, { PATH: "/nonexistent" })).toThrow(/could not start ip netns exec raytls-c12-none/);
  });
});
