/**
 * The pure parts of the Ray lab runtime: `lab exec`'s `$NAME` expansion, how a pod is entered,
 * where Ray is looked for, and why a --ray lab's directory may not be under /tmp.
 */
import { describe, expect, it } from "vitest";
import { expandPodVars } from "../../src/lab/lab-exec.js";
import { checkRayLabDir, enterPodArgv, podInitArgv, rayCandidates, rayStartArgv } from "../../src/lab/ray-runtime.js";
import { planLab } from "../../src/lab/lab-plan.js";
import { rayFailureLine } from "../../src/lab/lab-ray.js";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const env = { FQ_RAY_IP: "h.default.svc.cluster.local", RAY_IP: "h" };

describe("ray lab runtime", () => {
  it("expands $NAME and ${NAME} from the pod env; unknown names are empty; $$ is a literal $", () => {
    expect(expandPodVars("$FQ_RAY_IP:6379", env)).toBe("h.default.svc.cluster.local:6379");
    expect(expandPodVars("${RAY_IP}x", env)).toBe("hx");
    expect(expandPodVars("$NOPE-$$RAY_IP", env)).toBe("-$RAY_IP");
    expect(expandPodVars("no vars", env)).toBe("no vars");
  });

  it("a pod's first process gets its own PID namespace and private /tmp inside its network namespace", () => {
    const plan = planLab({ name: "x", namespace: "default", workers: 1, mode: "netns", dir: "/var/tmp/x" });
    const w = plan.pods[1]!;
    const a = podInitArgv(w, ["ray", "start"], "/var/tmp/x/pods/worker-1/tmp");
    expect(a.file).toBe("ip");
    expect(a.args.slice(0, 8)).toEqual(["netns", "exec", "raytls-x-worker-1", "unshare", "--pid", "--fork", "--kill-child", "--mount-proc"]);
    expect(a.args.slice(-3)).toEqual(["/var/tmp/x/pods/worker-1/tmp", "ray", "start"]);
    expect(enterPodArgv(123, ["true"])).toEqual({ file: "nsenter", args: ["--target", "123", "--net", "--mount", "--pid", "--", "true"] });
    const ray = { bin: "/v/bin/ray", python: "/v/bin/python", version: "2.58.0", source: "test" };
    expect(rayStartArgv(ray, w, plan.headFqdn, 6379)).toContain(`${plan.headFqdn}:6379`);
    expect(rayStartArgv(ray, plan.pods[0]!, plan.headFqdn, 6379, { head: 1 })).toEqual(expect.arrayContaining(["--head", "--node-ip-address", "10.244.0.2", "--resources", '{"head":1}']));
  });

  it("looks for Ray in --ray-bin, else $RAYTLS_RAY, else the project venv then PATH", () => {
    expect(rayCandidates("/a/ray", { RAYTLS_RAY: "/b/ray" })).toEqual([{ path: "/a/ray", source: "--ray-bin" }]);
    expect(rayCandidates(undefined, { RAYTLS_RAY: "/b/ray" })).toEqual([{ path: "/b/ray", source: "$RAYTLS_RAY" }]);
    const c = rayCandidates(undefined, { PATH: "/x:/y" });
    expect(c.map((x) => x.source)).toEqual(["the project's .venv-ray", "PATH", "PATH"]);
    expect(c[2]!.path).toBe("/y/ray");
  });

  it("refuses a lab dir under /tmp (the pods' /tmp is their own), with the fix", () => {
    expect(() => checkRayLabDir("/tmp/lab")).toThrow(/under \/tmp/);
    expect(() => checkRayLabDir("/var/tmp/raytls-lab/x")).not.toThrow();
  });
});

describe("a Ray pod that dies during start-up", () => {
  it("is explained by the last useful line of Ray's own logs, else of `ray start`'s output", async () => {
    const dir = mkdtempSync(join(tmpdir(), "raytls-rayfail-"));
    try {
      const plan = planLab({ name: "x", namespace: "default", workers: 1, mode: "netns", dir });
      const head = plan.pods[0]!;
      mkdirSync(join(dir, "logs"), { recursive: true });
      writeFileSync(head.log, "Usage stats collection is disabled.\nLocal node IP: 10.244.0.2\nray.exceptions.RaySystemError: GCS did not start\n\n");
      expect(await rayFailureLine(plan, head)).toBe("ray.exceptions.RaySystemError: GCS did not start");
      const logs = join(dir, "pods", "head", "tmp", "ray", "session_latest", "logs");
      mkdirSync(logs, { recursive: true });
      writeFileSync(join(logs, "gcs_server.err"), "[2026-12-01] (gcs_server) grpc_server.cc:90: Invalid cert chain file.\n[2026-12-01] *** SIGABRT received ***\n");
      expect(await rayFailureLine(plan, head)).toBe("gcs_server.err: [2026-12-01] (gcs_server) grpc_server.cc:90: Invalid cert chain file.");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
