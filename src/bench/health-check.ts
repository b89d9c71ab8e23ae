/**
 * `health-check` benchmark: the cold-process wall time of `raytls health-check` against a local
 * mTLS head (new process, TLS handshake, GetClusterId + InternalKVGet, exit), median of repeated
 * runs. Baselines measured in the same run: `node -e 0` and `raytls --version`.
 * Target (issue 3): median <= 150 ms.
 */
import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { raytlsCommand } from "../io/package-root.js";
import { makeBenchPki, startBenchHead } from "./grpc-bench-peer.js";
import { fmt, median } from "./grpc-stats.js";
import type { BenchOptions, BenchResult } from "./scenario.js";

function timeProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; code: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: "ignore", env });
    child.once("error", reject);
    child.once("exit", (code) => resolve({ ms: performance.now() - t0, code: code ?? 1 }));
  });
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
  const m = { node: median(samples.node!), version: median(samples.version!), check: median(samples.check!) };
  const markdown = [
    `### health-check: cold start (median of ${runs} runs)`,
    "",
    "| what | median wall time | vs `node -e 0` |",
    "|---|---:|---:|",
    `| \`node -e 0\` (baseline) | ${fmt(m.node)} ms | 1.00 |`,
    `| \`raytls --version\` | ${fmt(m.version)} ms | ${fmt(m.version / m.node, 2)} |`,
    `| \`raytls health-check\` (mTLS, GetClusterId + InternalKVGet) | ${fmt(m.check)} ms | ${fmt(m.check / m.node, 2)} |`,
    "",
    `Target: <= 150 ms. ${failures ? `**${failures} runs failed.**` : "Every run exited 0."}`,
    "",
  ].join("\n");
  await mkdir(o.outDir, { recursive: true });
  await writeFile(join(o.outDir, "health-check.md"), markdown);
  return {
    name: "health-check",
    markdown,
    targets: [
      { what: "health-check cold start median <= 150 ms", value: `${fmt(m.check)} ms`, met: m.check <= 150 },
      { what: "every health check exits 0", value: `${failures} failures`, met: failures === 0 },
    ],
    data: { runs, medians: m, samples },
  };
}
