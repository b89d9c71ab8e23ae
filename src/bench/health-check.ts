/**
 * `health-check` benchmark: the cold-process wall time of `raytls health-check` (new process, TLS
 * handshake, GetClusterId + InternalKVGet, exit), median of repeated runs.
 *
 * Baseline (issue 10), when Ray and root are here: `ray health-check` itself, same run, cold
 * processes from a worker pod against a real Ray 2.58 head (health-check-ray.ts), healthy and by
 * the short name the head's certificate lacks. Targets: raytls at most 0.5 of Ray's wall time
 * when healthy; where Ray times out, raytls names the cause in under 1 s. (The absolute 150 ms
 * target is retired: `node -e 0` alone takes about 100 ms on some machines.)
 *
 * Always, as context: `node -e 0` and `raytls --version` against a local raytls head.
 */
import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { raytlsCommand } from "../io/package-root.js";
import { makeBenchPki, startBenchHead } from "./grpc-bench-peer.js";
import { fmt, median } from "./grpc-stats.js";
import { measureRayBaseline, type RayBaseline } from "./health-check-ray.js";
import type { BenchOptions, BenchResult } from "./scenario.js";

function timeProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; code: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: "ignore", env });
    child.once("error", reject);
    child.once("exit", (code) => resolve({ ms: performance.now() - t0, code: code ?? 1 }));
  });
}

function rayRows(b: RayBaseline | { skipped: string }): string[] {
  if ("skipped" in b) return [`\`ray health-check\` baseline not run: ${b.skipped}.`, ""];
  const fails = (codes: number[]) => codes.filter((c) => c !== 0).length;
  return [
    `#### against Ray 2.58 itself (from a worker pod, cold processes; healthy: median of ${b.runs}, short name: median of ${b.shortRuns})`,
    "",
    "| case | `ray health-check` | `raytls health-check` | raytls / Ray |",
    "|---|---:|---:|---:|",
    `| healthy (head's FQDN) | ${fmt(b.healthy.ray, 0)} ms, exit 0 in ${b.codes.healthyRay.length - fails(b.codes.healthyRay)}/${b.codes.healthyRay.length} | ${fmt(b.healthy.raytls, 0)} ms, exit 0 in ${b.codes.healthyRaytls.length - fails(b.codes.healthyRaytls)}/${b.codes.healthyRaytls.length} | ${fmt(b.healthy.raytls / b.healthy.ray, 2)} |`,
    `| short name (not in the head's certificate) | ${fmt(b.shortName.ray, 0)} ms, exit ${[...new Set(b.codes.shortRay)].join("/")}: "${b.rayShortLastLine.replace(/\|/g, "\\|")}" | ${fmt(b.shortName.raytls, 0)} ms, exit ${[...new Set(b.codes.shortRaytls)].join("/")}, ${b.causeNamed ? "names the cause (\"Peer name ... is not in peer certificate\") and the fix" : "**did not name the cause**"} | ${fmt(b.shortName.raytls / b.shortName.ray, 3)} |`,
    "",
  ];
}

export default async function healthCheckBench(o: BenchOptions): Promise<BenchResult> {
  const runs = Math.max(5, o.runs ?? 15);
  const pki = await makeBenchPki();
  const head = await startBenchHead(pki.headEnv, pki.client);
  const { cmd, args } = raytlsCommand();
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", ...pki.clientEnv };
  const samples: Record<string, number[]> = { node: [], version: [], check: [] };
  let failures = 0;
  try {
    for (let i = 0; i < runs; i++) {
      samples.node!.push((await timeProcess(cmd, ["-e", "0"], env)).ms);
      samples.version!.push((await timeProcess(cmd, [...args, "--version"], env)).ms);
      const r = await timeProcess(cmd, [...args, "health-check", "--address", `127.0.0.1:${head.port}`], env);
      if (r.code !== 0) failures++;
      samples.check!.push(r.ms);
    }
    o.log(`health-check: ${runs} cold runs, ${failures} failures`);
  } finally {
    await head.stop();
    pki.cleanup();
  }
  const ray = await measureRayBaseline(Math.min(runs, 7), o.log);
  const m = { node: median(samples.node!), version: median(samples.version!), check: median(samples.check!) };
  const markdown = [
    `### health-check: cold start (median of ${runs} runs)`,
    "",
    "| what | median wall time | vs `node -e 0` |",
    "|---|---:|---:|",
    `| \`node -e 0\` | ${fmt(m.node)} ms | 1.00 |`,
    `| \`raytls --version\` | ${fmt(m.version)} ms | ${fmt(m.version / m.node, 2)} |`,
    `| \`raytls health-check\` (mTLS, GetClusterId + InternalKVGet, raytls's own head on loopback) | ${fmt(m.check)} ms | ${fmt(m.check / m.node, 2)} |`,
    "",
    ...rayRows(ray),
    `Targets: raytls at most 0.5 of \`ray health-check\`'s wall time when healthy; where Ray times out, raytls names the cause in under 1 s. ${failures ? `**${failures} local runs failed.**` : "Every local run exited 0."}`,
    "",
  ].join("\n");
  await mkdir(o.outDir, { recursive: true });
  await writeFile(join(o.outDir, "health-check.md"), markdown);
  const targets: BenchResult["targets"] = [{ what: "every local health check exits 0", value: `${failures} failures`, met: failures === 0 }];
  if (!("skipped" in ray)) {
    const rayTimedOut = ray.codes.shortRay.some((c) => c !== 0);
    targets.push(
      { what: "raytls health-check <= 0.5x ray health-check (healthy, cold, from a worker pod)", value: `${fmt(ray.healthy.raytls, 0)} ms vs ${fmt(ray.healthy.ray, 0)} ms (${fmt(ray.healthy.raytls / ray.healthy.ray, 2)}x)`, met: ray.healthy.raytls <= 0.5 * ray.healthy.ray && ray.codes.healthyRaytls.every((c) => c === 0) },
      {
        what: "by the short name, where Ray times out, raytls names the cause in < 1 s",
        value: `${fmt(ray.shortName.raytls, 0)} ms, cause named: ${ray.causeNamed} (Ray: ${fmt(ray.shortName.ray / 1000, 1)} s, exit ${[...new Set(ray.codes.shortRay)].join("/")})`,
        met: rayTimedOut && ray.causeNamed && ray.shortName.raytls < 1000,
      },
    );
  }
  return {
    name: "health-check",
    markdown,
    targets,
    ...("skipped" in ray
      ? {}
      : {
          measures: [
            { measure: "healthy", unit: "ms", ray: ray.healthy.ray, raytls: ray.healthy.raytls },
            { measure: "short-name", unit: "ms", ray: ray.shortName.ray, raytls: ray.shortName.raytls },
          ],
        }),
    data: { runs, medians: m, samples, ray },
  };
}
