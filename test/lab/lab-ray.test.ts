/**
 * Ray 2.58 itself as the lab's pod runtime (issue 9 items 1-3): `lab up --ray` starts `ray start
 * --block` in each pod (own network, PID namespace and /tmp); Ray sees every pod's node alive at
 * its pod IP; `lab exec` is the seed's Step 4 word for word and passes exit codes through; a Ray
 * job from a worker pod runs tasks on every node and moves objects between nodes; `lab down`
 * leaves no namespace, process or pod /tmp. `demo --ray --signer` walks the secure mode on Ray (the
 * CA key only in a signer, the policy, the fix through the signer), and `demo --ray`
 * runs end to end from the built binary.
 *
 * Needs root, `ip netns` and Ray 2.58 (.venv-ray or RAYTLS_RAY); skips with the reason otherwise
 * (CI=true: fails instead). Run under `flock /tmp/raytls-heavy.lock`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RAY_BIN as RAY, realRaySkip } from "../helpers/real-ray.js";
import { labDown, labStatus, labUp, type LabUpResult } from "../../src/lab/lab.js";
import { labExec } from "../../src/lab/lab-exec.js";
import { groupMembers } from "../../src/lab/lab-ray.js";
import { listLabNetns } from "../../src/lab/netns.js";
import { RAY_JOB_PY, parseRayJob } from "../../src/lab/ray-job.js";
import { runRayDemo } from "../../src/lab/demo-ray.js";
import { BIN } from "../helpers/cli.js";

if (!realRaySkip("lab --ray", { dist: true })) {
  // Outside /tmp: every Ray pod has a private /tmp.
  const root = mkdtempSync("/var/tmp/raytls-lab-ray-test-");
  const name = `rtlab${process.pid % 10000}`;
  const dir = path.join(root, "lab");
  let up: LabUpResult | undefined;
  const ray = { bin: RAY };

  describe("lab --ray: Ray itself in every pod", () => {
    beforeAll(async () => {
      up = await labUp({ name, namespace: "default", workers: 1, mode: "netns", dir, ray });
    }, 120_000);
    afterAll(async () => {
      await labDown(dir, name).catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    }, 60_000);

    it("status: Ray sees 2 alive nodes at the pod IPs; every pod certificate's expiry", async () => {
      const s = await labStatus(dir, name);
      expect(s.ray?.version).toMatch(/^2\./);
      const ips = s.pods.map((p) => p.ip).sort();
      expect(s.rayNodes?.filter((n) => n.alive).map((n) => n.ip).sort()).toEqual(ips);
      expect(s.pods.every((p) => p.alive && p.certNotAfter && new Date(p.certNotAfter) > new Date())).toBe(true);
      const cli = spawnSync(process.execPath, [BIN, "lab", "status", "--dir", dir, "--json"], { encoding: "utf8" });
      expect(cli.status, cli.stderr).toBe(0);
      expect(JSON.parse(cli.stdout).rayNodes.length).toBe(2);
    }, 60_000);

    it("lab exec: the seed's Step 4 word for word passes; exit codes pass through; pod env and own /tmp; raytls on the pod's PATH", () => {
      const run = (...argv: string[]) => spawnSync(process.execPath, [BIN, "lab", "exec", "--dir", dir, ...argv], { encoding: "utf8", timeout: 120_000 });
      const ok = run("worker-1", "--", "ray", "health-check", "--address", "$FQ_RAY_IP:6379");
      expect(ok.status, ok.stdout + ok.stderr).toBe(0);
      expect(run("worker-1", "--", "sh", "-c", "exit 7").status).toBe(7);
      const env = run("worker-1", "--", "sh", "-c", 'echo "$POD_IP $RAY_ADDRESS $(command -v python)"; ls /tmp');
      const w = up!.state.plan.pods[1]!;
      expect(env.stdout).toContain(`${w.ip} ${up!.state.plan.headFqdn}:6379 ${path.dirname(RAY)}/python`);
      expect(env.stdout.split("\n").slice(1).join(" ").trim()).toBe("ray"); // the pod's own /tmp: only its Ray
      expect(run("nope", "--", "true").status).toBe(2);
      // raytls itself is on the pod's PATH (<lab dir>/bin/raytls), as in an image that ships it.
      expect(run("worker-1", "--", "raytls", "health-check", "--address", "$FQ_RAY_IP:6379").status).toBe(0);
      const short = run("worker-1", "--", "raytls", "health-check", "--address", "$RAY_IP:6379");
      expect(short.status).toBe(1);
      expect(short.stdout).toContain(`Peer name ${up!.state.plan.headShort} is not in peer certificate`);
    }, 120_000);

    it("a Ray job from worker-1: tasks on every node, objects made on one node read on another", async () => {
      const r = await labExec(dir, "worker-1", ["python", "-c", RAY_JOB_PY], { capture: true, timeoutMs: 180_000 });
      expect(r.code, r.stderr.slice(-3000)).toBe(0);
      const job = parseRayJob(r.stdout)!;
      const ips = up!.state.plan.pods.map((p) => p.ip).sort();
      expect(job.nodes).toEqual(ips);
      expect([...new Set(job.taskIps)].sort()).toEqual(ips);
      expect(job.moved.length).toBe(2);
      for (const m of job.moved) expect(m.same && m.from !== m.to && m.bytes > 0, JSON.stringify(m)).toBe(true);
    }, 240_000);

    it("lab down: no namespace, no process, no pod /tmp left", async () => {
      const pgids = Object.values(up!.state.pids);
      const tmps = up!.state.podTmpDirs ?? [];
      expect(tmps.length).toBe(2);
      const d = await labDown(dir, name);
      expect(d.stopped.length).toBe(2);
      expect(pgids.flatMap((p) => groupMembers(p))).toEqual([]);
      expect(await listLabNetns(name)).toEqual([]);
      expect(tmps.filter((t) => existsSync(t))).toEqual([]);
    }, 60_000);

    it("demo --ray --signer: pods get certificates from the signer before Ray starts; the policy refuses; the fix goes through the signer; no CA key in any pod", async () => {
      const sname = `${name}s`;
      const r = await runRayDemo({ name: sname, signer: true });
      const step = (id: string) => r.steps.find((s) => s.id === id);
      expect(r.steps.filter((s) => !s.ok).map((s) => s.title)).toEqual([]);
      expect(r.ok).toBe(true);
      // Secure mode's own steps: each pod's own request issued, a claim of the head's IP refused.
      expect(step("2")?.lines.filter((l) => /^ +issued /.test(l))).toHaveLength(2);
      expect(step("2x")?.lines.join("\n")).toMatch(/audit: refused .*IP:10\.244\./);
      // Ray itself judged the signer's certificates: the FQDN check passed, the short name failed until the fix.
      expect(step("4a")?.command?.exitCode).toBe(0);
      expect(step("4b")?.lines.join("\n")).toContain("is not in peer certificate");
      expect(step("4c")?.lines[0]).toMatch(/raytls pod-cert --signer .*--dns /);
      expect(step("4c")?.command?.exitCode).toBe(0);
      expect(step("job")?.ok).toBe(true);
      expect(step("key")?.lines[0]).toMatch(/^no file under pods\/ \(\d+ files\) contains the CA key/);
      expect(r.leftovers).toEqual({ processes: [], netns: [] });
      expect(await listLabNetns(sname)).toEqual([]);
    }, 300_000);

    it("refuses a --ray lab dir under /tmp (exit 2, with the fix)", () => {
      const r = spawnSync(process.execPath, [BIN, "lab", "up", "--ray", "--dir", "/tmp/raytls-nope", "--name", `${name}t`], { encoding: "utf8" });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain("/var/tmp/raytls-lab");
      expect(existsSync("/tmp/raytls-nope")).toBe(false);
    });

    it("demo --ray end to end (built binary): Ray's failure by the short name, the fix, Ray's passing re-check, a job", () => {
      const r = spawnSync(process.execPath, [BIN, "demo", "--ray"], { encoding: "utf8", timeout: 300_000 });
      const out = r.stdout + r.stderr;
      expect(r.status, out).toBe(0);
      expect(out.split("\n")[0]).toMatch(/^runtime: Ray 2\./);
      expect(out).toMatch(/Ray: +exit 1 after \d+\.\d s/);
      expect(out).toContain("is not in peer certificate");
      expect(out).toMatch(/ray health-check --address '\$RAY_IP:6379'\n[\s\S]*exit 0 \(as expected\)/);
      expect(out).toContain("demo passed");
    }, 300_000);
  });
}
