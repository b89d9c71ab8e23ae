/**
 * The `health-check` bench's baseline when Ray is installed (issue 10): `ray health-check` itself,
 * cold processes in the same run, from a worker pod against a real Ray 2.58 head with raytls mTLS
 * certificates (netns pods, as `bench ray`). Two cases: the healthy one (by the head's FQDN) and
 * the short name the head's certificate lacks, where Ray waits for its GCS timeout and says only
 * "Timed out", and raytls names the cause.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { RaytlsError } from "../errors.js";
import { planLab } from "../lab/lab-plan.js";
import { createNetwork, deleteNetwork } from "../lab/netns.js";
import { makeLabPki } from "../lab/lab-pki.js";
import { raytlsCommand } from "../io/package-root.js";
import { median } from "./grpc-stats.js";
import { tlsEnv } from "./ray-configs.js";
import { podCommandEnv, rayBenchUnavailable, rayBinary, runInPod, startRayCluster } from "./ray-cluster.js";

const LAB = "rhcbench";

export interface RayBaseline {
  /** Median wall times, ms. */
  healthy: { ray: number; raytls: number };
  shortName: { ray: number; raytls: number };
  /** Exit codes seen (all runs), and whether every raytls short-name run named the cause. */
  codes: { healthyRay: number[]; healthyRaytls: number[]; shortRay: number[]; shortRaytls: number[] };
  causeNamed: boolean;
  /** Ray's last line in the short-name case (what a user sees). */
  rayShortLastLine: string;
  runs: number;
  shortRuns: number;
}

/** undefined with the reason when Ray or netns is not available. */
export async function measureRayBaseline(runs: number, log: (l: string) => void): Promise<RayBaseline | { skipped: string }> {
  const why = await rayBenchUnavailable();
  if (why) return { skipped: why };
  const ray = rayBinary()!;
  const dir = mkdtempSync("/var/tmp/raytls-bench-hc-");
  const plan = planLab({ name: LAB, namespace: "default", workers: 1, mode: "netns", dir });
  const made: Array<{ kind: "netns" | "etc"; name: string }> = [];
  const worker = plan.pods[1]!;
  const { cmd, args } = raytlsCommand();
  try {
    await deleteNetwork(LAB, [], []);
    await createNetwork(plan, async (kind, name) => void made.push({ kind, name }));
    await makeLabPki(plan);
    const tls = (pod: typeof worker) => tlsEnv(pod.tlsDir);
    const cluster = await startRayCluster(plan, { ray, podEnv: tls, objectStoreMiB: 128, headOnly: true });
    const env = podCommandEnv(ray, worker, tls(worker));
    const check = (tool: "ray" | "raytls", host: string) =>
      runInPod(plan, worker, tool === "ray" ? [ray, "health-check", "--address", `${host}:${plan.port}`] : [cmd, ...args, "health-check", "--address", `${host}:${plan.port}`], env, 120_000);
    try {
      const healthy = { ray: [] as number[], raytls: [] as number[], rayCodes: [] as number[], raytlsCodes: [] as number[] };
      for (let i = 0; i < runs; i++) {
        const r = await check("ray", plan.headFqdn);
        const t = await check("raytls", plan.headFqdn);
        healthy.ray.push(r.ms);
        healthy.rayCodes.push(r.code);
        healthy.raytls.push(t.ms);
        healthy.raytlsCodes.push(t.code);
      }
      // Ray's short-name runs only wait for its GCS timeout (about 40 s): run them side by side,
      // and raytls's one after another meanwhile (they are fast and on the CPU).
      const shortRuns = Math.min(runs, 5);
      const rayShort = Promise.all(Array.from({ length: shortRuns }, () => check("ray", plan.headShort)));
      const raytlsShort = [];
      for (let i = 0; i < shortRuns; i++) raytlsShort.push(await check("raytls", plan.headShort));
      const rays = await rayShort;
      log(`health-check vs ray: ${runs} healthy runs, ${shortRuns} short-name runs`);
      const lastLine = (rays[0]?.stderr + rays[0]!.stdout).trim().split("\n").filter((l) => l.trim()).at(-1) ?? "";
      return {
        healthy: { ray: median(healthy.ray), raytls: median(healthy.raytls) },
        shortName: { ray: median(rays.map((r) => r.ms)), raytls: median(raytlsShort.map((r) => r.ms)) },
        codes: { healthyRay: healthy.rayCodes, healthyRaytls: healthy.raytlsCodes, shortRay: rays.map((r) => r.code), shortRaytls: raytlsShort.map((r) => r.code) },
        causeNamed: raytlsShort.every((r) => `${r.stdout}${r.stderr}`.includes("is not in peer certificate")),
        rayShortLastLine: lastLine.slice(0, 200),
        runs,
        shortRuns,
      };
    } finally {
      await cluster.stop();
    }
  } catch (err) {
    throw err instanceof RaytlsError ? err : new RaytlsError("bench-health-check-ray", `the Ray baseline failed: ${(err as Error).message}`, { kind: "check", cause: err });
  } finally {
    await deleteNetwork(LAB, made.filter((m) => m.kind === "netns").map((m) => m.name), made.filter((m) => m.kind === "etc").map((m) => m.name));
    rmSync(dir, { recursive: true, force: true });
  }
}
