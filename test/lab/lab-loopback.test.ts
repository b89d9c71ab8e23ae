/**
 * The lab in loopback mode with real processes: up, status, Step 4 from a worker, a crash, down.
 * Uses its own loopback range and a port from the kernel so it can run beside a user's lab.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labDown, labStatus, labUp } from "../../src/lab/lab.js";
import { execInPod } from "../../src/lab/pod-exec.js";
import { isAlive } from "../../src/lab/lab-processes.js";
import { runDemo } from "../../src/lab/demo.js";
import { freePort } from "../helpers/ports.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { buildCliBundle } from "./cli-bundle.js";

let bundle: Awaited<ReturnType<typeof buildCliBundle>>;
const tmp = useTempDir("raytls-lab-test-");
const LOOPBACK_BASE = "127.0.77.2";

beforeAll(async () => {
  bundle = await buildCliBundle();
});
afterAll(async () => {
  await labDown(tmp.dir).catch(() => undefined);
  bundle?.cleanup();
});

describe("raytls lab (loopback)", () => {
  it("comes up, serves Step 4 from a worker, survives status, and goes down without leftovers", async () => {
    const dir = tmp.dir;
    // The lab writes the head port into every pod's environment before the head starts, so it is named up front.
    const port = await freePort(LOOPBACK_BASE);
    const up = await labUp({ name: "labtest", namespace: "default", workers: 2, mode: "loopback", dir, port, loopbackBase: LOOPBACK_BASE });
    const pids = Object.values(up.state.pids);
    expect(up.nodes).toHaveLength(2);
    expect(up.nodes.every((n) => n.alive && n.dialBackOk)).toBe(true);
    expect(up.nodes.map((n) => n.podIp).sort()).toEqual(["127.0.77.3", "127.0.77.4"]);

    const worker = up.state.plan.pods[1]!;
    const ok = await execInPod(worker, ["health-check", "--address", `labtest-head-svc.default.svc.cluster.local:${port}`]);
    expect(ok.code, ok.stderr).toBe(0);
    const bad = await execInPod(worker, ["health-check", "--address", `labtest-head-svc:${port}`]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("Peer name labtest-head-svc is not in peer certificate");
    expect(bad.stdout).toContain("--dns labtest-head-svc");

    const st = await labStatus(dir);
    expect(st.running).toBe(true);
    expect(st.pods.every((p) => p.alive)).toBe(true);

    // a crash: one worker dies hard; lab down still cleans up the rest by PID
    process.kill(up.state.pids["worker-2"]!, "SIGKILL");
    const down = await labDown(dir);
    expect(down.hadState).toBe(true);
    // lab down returns once its processes are gone (a zombie counts as gone).
    expect(pids.filter((p) => isAlive(p))).toEqual([]);
    expect((await labStatus(dir)).running).toBe(false);
  });

  // How long the demo takes is the bench's business (speed targets live in benchmarks); the
  // test's timeout is only a hang guard.
  it("demo: all steps as the seed says, in the seed's order, nothing left", async () => {
    const r = await runDemo({ mode: "loopback", loopbackBase: "127.0.78.2", port: await freePort("127.0.78.2"), name: "demotest" });
    expect(r.steps.filter((s) => !s.ok).map((s) => s.title)).toEqual([]);
    expect(r.ok).toBe(true);
    const numbered = r.steps.map((s) => s.id).filter((id) => /^\d/.test(id));
    expect(numbered.length).toBeGreaterThanOrEqual(4);
    expect(numbered).toEqual([...numbered].sort());
    expect(r.leftovers).toEqual({ processes: [], netns: [] });
    expect(r.steps.find((s) => s.id === "4b")?.command?.output).toContain("Peer name demotest-head-svc is not in peer certificate");
  });

  it("demo with every pod on 127.0.0.1 (systems without 127.0.0.2, e.g. macOS) still walks all steps", async () => {
    const r = await runDemo({ mode: "loopback", loopbackBase: "127.0.0.1", sharedAddress: true, port: await freePort("127.0.0.1"), name: "sharedtest" });
    expect(r.steps.filter((s) => !s.ok).map((s) => s.title)).toEqual([]);
    expect(r.leftovers).toEqual({ processes: [], netns: [] });
  });
});
