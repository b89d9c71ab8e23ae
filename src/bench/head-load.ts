/**
 * `head-load` benchmark: 500 concurrent mTLS clients (each its own connection, so 500 TLS
 * handshakes) against one raytls head process, 10,000 CheckAlive calls in all. Reports errors
 * (target 0), the handshake rate (all 500 connected and answered once), and RPC p50/p99 after
 * connecting; the same load over plaintext in the same run is the baseline. Median of runs.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { RayRpcClient } from "../ray/rpc-client.js";
import { resolveTarget } from "../ray/dial-target.js";
import type { ClientTls } from "../ray/client-tls.js";
import { makeBenchPki, startBenchHead } from "./grpc-bench-peer.js";
import { fmt, median, percentile, sortNumbers } from "./grpc-stats.js";
import type { BenchOptions, BenchResult } from "./scenario.js";

const CLIENTS = 500;
const CALLS = 10_000;

interface LoadRun {
  errors: number;
  connectMs: number;
  handshakesPerS: number;
  p50: number;
  p99: number;
  callsPerS: number;
}

async function loadOnce(port: number, tls: ClientTls | null): Promise<LoadRun> {
  const clients = Array.from({ length: CLIENTS }, () =>
    new RayRpcClient(resolveTarget(`127.0.0.1:${port}`), tls, { "grpc.use_local_subchannel_pool": 1 }),
  );
  let errors = 0;
  const latencies: number[] = [];
  const call = async (c: RayRpcClient, record: boolean) => {
    const t = performance.now();
    try {
      await c.call("checkAlive", { nodeIds: [] }, { timeoutMs: 30_000 });
      if (record) latencies.push(performance.now() - t);
    } catch {
      errors++;
    }
  };
  try {
    const t0 = performance.now();
    await Promise.all(clients.map((c) => call(c, false))); // one call each: connects (handshakes)
    const connectMs = performance.now() - t0;
    const perClient = CALLS / CLIENTS - 1;
    const t1 = performance.now();
    await Promise.all(
      clients.map(async (c) => {
        for (let i = 0; i < perClient; i++) await call(c, true);
      }),
    );
    const steadyMs = performance.now() - t1;
    const sorted = sortNumbers(latencies);
    return {
      errors,
      connectMs,
      handshakesPerS: CLIENTS / (connectMs / 1000),
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      callsPerS: latencies.length / (steadyMs / 1000),
    };
  } finally {
    clients.forEach((c) => c.close());
  }
}

export default async function headLoadBench(o: BenchOptions): Promise<BenchResult> {
  const runs = Math.max(3, o.runs ?? 3);
  const pki = await makeBenchPki();
  const results: Record<"tls" | "plain", LoadRun[]> = { tls: [], plain: [] };
  try {
    for (const mode of ["plain", "tls"] as const) {
      const head = await startBenchHead(mode === "tls" ? pki.headEnv : null, mode === "tls" ? pki.client : null);
      try {
        for (let i = 0; i < runs; i++) {
          const r = await loadOnce(head.port, mode === "tls" ? pki.client : null);
          results[mode].push(r);
          o.log(`head-load ${mode} run ${i + 1}/${runs}: ${r.errors} errors, ${fmt(r.handshakesPerS, 0)} conn/s, p50 ${fmt(r.p50, 2)} ms, p99 ${fmt(r.p99, 2)} ms`);
        }
      } finally {
        await head.stop();
      }
    }
  } finally {
    pki.cleanup();
  }
  const med = (mode: "tls" | "plain", k: keyof LoadRun) => median(results[mode].map((r) => r[k]));
  const errors = results.tls.reduce((a, r) => a + r.errors, 0);
  const plainErrors = results.plain.reduce((a, r) => a + r.errors, 0);
  const row = (label: string, mode: "tls" | "plain") =>
    `| ${label} | ${mode === "tls" ? errors : plainErrors} | ${fmt(med(mode, "connectMs"), 0)} ms | ${fmt(med(mode, "handshakesPerS"), 0)} | ${fmt(med(mode, "p50"), 2)} ms | ${fmt(med(mode, "p99"), 2)} ms | ${fmt(med(mode, "callsPerS"), 0)} |`;
  const markdown = [
    `### head-load: ${CLIENTS} concurrent clients, ${CALLS.toLocaleString("en")} CheckAlive calls (median of ${runs} runs)`,
    "",
    "| mode | errors (all runs) | all connected in | connections/s | RPC p50 | RPC p99 | calls/s |",
    "|---|---:|---:|---:|---:|---:|---:|",
    row("mTLS", "tls"),
    row("plaintext (baseline)", "plain"),
    "",
    `mTLS/plaintext: connection rate ${fmt(med("tls", "handshakesPerS") / med("plain", "handshakesPerS"), 2)}, p50 ${fmt(med("tls", "p50") / med("plain", "p50"), 2)}x, calls/s ${fmt(med("tls", "callsPerS") / med("plain", "callsPerS"), 2)}. One head process, clients in one other process, loopback, ${"`"}os.cpus().length${"`"} = ${(await import("node:os")).cpus().length}.`,
    "",
  ].join("\n");
  await mkdir(o.outDir, { recursive: true });
  await writeFile(join(o.outDir, "head-load.md"), markdown);
  return {
    name: "head-load",
    markdown,
    targets: [{ what: `${CLIENTS} mTLS clients, ${CALLS} CheckAlive calls: 0 errors`, value: `${errors} errors`, met: errors === 0 }],
    data: results,
  };
}
