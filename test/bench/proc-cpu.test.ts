/**
 * bench ray's CPU accounting: Ray's processes grouped by what they are, and the CPU between two
 * snapshots, checked against this process's own /proc entry while it burns CPU. (/proc/PID/stat
 * itself: test/io/proc-stat.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { clockTicks, cpuBetween, cpuSnapshot, processGroup } from "../../src/bench/proc-cpu.js";

describe("bench ray: what a pod's process is", () => {
  const venv = "/work/.venv-ray/lib/python3.11/site-packages/ray";
  it.each([
    ["raylet", [`${venv}/core/src/ray/raylet/raylet`, "--node_ip_address=10.0.0.1"], "raylet"],
    ["gcs_server", [`${venv}/core/src/ray/gcs/gcs_server`, "--gcs_server_port=6379"], "gcs_server"],
    ["ray::IDLE", ["ray::IDLE", "", ""], "core workers"],
    ["python3", ["/venv/bin/python", `${venv}/_private/workers/default_worker.py`, "--node-ip-address=10.0.0.1"], "core workers"],
    ["python", ["/venv/bin/python", "/repo/bench/ray-bench-driver.py", "work"], "driver"],
    ["ray", ["/venv/bin/python", "/venv/bin/ray", "start", "--block"], "other"],
    ["python", ["/venv/bin/python", `${venv}/_private/log_monitor.py`], "other"],
  ])("%s %j is %s", (comm, argv, group) => {
    expect(processGroup(comm, argv, "ray-bench-driver.py")).toBe(group);
  });
});

describe("bench ray: CPU between two snapshots", () => {
  it("counts this process's CPU while it spins, under its pod and group", async () => {
    const ticks = await clockTicks();
    expect(ticks).toBeGreaterThan(0);
    const pods = [{ pod: "here", pids: [process.pid] }];
    const before = await cpuSnapshot(pods, "no-such-driver.py");
    const until = performance.now() + 300;
    let x = 0;
    while (performance.now() < until) x += Math.sqrt(x + 1);
    const after = await cpuSnapshot(pods, "no-such-driver.py");
    const spent = cpuBetween(before, after, ticks);
    expect(x).toBeGreaterThan(0);
    expect(spent.wall).toBeGreaterThanOrEqual(0.3);
    // Spinning 0.3 s of wall time is about 0.3 s of CPU; ticks are 1/CLK_TCK s, so allow a few.
    expect(spent.cpu["here other"]).toBeGreaterThan(0.15);
    expect(spent.cpu["here other"]).toBeLessThan(spent.wall + 0.1);
    // Touching 64 MiB of fresh memory faults its pages in (4 KiB each, fewer with huge pages).
    const b2 = await cpuSnapshot(pods, "no-such-driver.py");
    const buf = Buffer.alloc(64 * 1024 * 1024, 1);
    const a2 = await cpuSnapshot(pods, "no-such-driver.py");
    expect(buf[buf.length - 1]).toBe(1);
    expect(cpuBetween(b2, a2, ticks).faults).toBeGreaterThan(100);
  });

  it("a process renamed in between keeps its ticks; a new one counts from zero", () => {
    const before = { at: 0, procs: new Map([[7, { key: "head other", ticks: 100, minflt: 10 }]]) };
    const after = { at: 2000, procs: new Map([[7, { key: "head core workers", ticks: 150, minflt: 15 }], [8, { key: "head raylet", ticks: 30, minflt: 40 }]]) };
    expect(cpuBetween(before, after, 100)).toEqual({ wall: 2, cpu: { "head core workers": 0.5, "head raylet": 0.3 }, faults: 45 });
  });
});
