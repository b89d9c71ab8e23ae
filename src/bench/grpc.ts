/**
 * `grpc` benchmark: unary echo over mutual TLS vs plaintext, same head code, same run, at
 * 1 KiB, 64 KiB, 1 MiB and 16 MiB (p50 latency and MiB/s, sequential calls on one connection),
 * plus the new-connection rate (connect + one tiny call + close). Median of repeated runs, the
 * modes interleaved within each run. Puts numbers on the seed's warning that TLS overhead "is large
 * for small workloads and becomes relatively smaller for large workloads".
 * Target (issue 3): mTLS/plaintext throughput >= 0.7 at >= 1 MiB.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cpus } from "node:os";
import { RayRpcClient } from "../ray/rpc-client.js";
import { resolveTarget } from "../ray/dial-target.js";
import type { ClientTls } from "../ray/client-tls.js";
import { makeBenchPki, startBenchHead } from "./grpc-bench-peer.js";
import { fmt, median, percentile, sortNumbers } from "./grpc-stats.js";
import { throughputChart } from "./grpc-svg-chart.js";
import type { BenchOptions, BenchResult } from "./registry.js";

const KiB = 1024;
const MiB = 1024 * KiB;
const SIZES: Array<{ label: string; bytes: number; calls: number }> = [
  { label: "1 KiB", bytes: KiB, calls: 1000 },
  { label: "64 KiB", bytes: 64 * KiB, calls: 300 },
  { label: "1 MiB", bytes: MiB, calls: 40 },
  { label: "16 MiB", bytes: 16 * MiB, calls: 6 },
];
const CONNECTIONS = 100;
// A 16 MiB connection window on the client (grpc-js option; C-core sizes windows by BDP probing)
// for both modes alike: with 64 KiB, every large reply stalls on WINDOW_UPDATE round trips.
const OPTS = {
  "grpc.max_receive_message_length": -1,
  "grpc.max_send_message_length": -1,
  "grpc.use_local_subchannel_pool": 1,
  "grpc-node.flow_control_window": 16 * 1024 * 1024,
};
type Mode = "tls" | "plain";

async function echoRun(port: number, tls: ClientTls | null, bytes: number, calls: number): Promise<{ p50: number; mibps: number }> {
  const c = new RayRpcClient(resolveTarget(`127.0.0.1:${port}`), tls, OPTS);
  const payload = Buffer.alloc(bytes, 7);
  try {
    for (let i = 0; i < Math.min(3, calls); i++) await c.call("echo", { payload }, { timeoutMs: 60_000 }); // warm-up
    const lat: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) {
      const t = performance.now();
      const r = await c.call("echo", { payload }, { timeoutMs: 60_000 });
      if (r.payload.length !== bytes) throw new Error(`echo returned ${r.payload.length} bytes, sent ${bytes}`);
      lat.push(performance.now() - t);
    }
    const s = (performance.now() - t0) / 1000;
    return { p50: percentile(sortNumbers(lat), 50), mibps: (bytes * calls) / MiB / s };
  } finally {
    c.close();
  }
}

async function connectRate(port: number, tls: ClientTls | null): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < CONNECTIONS; i++) {
    const c = new RayRpcClient(resolveTarget(`127.0.0.1:${port}`), tls, OPTS);
    await c.call("echo", { payload: Buffer.alloc(1) }, { timeoutMs: 10_000 });
    c.close();
  }
  return CONNECTIONS / ((performance.now() - t0) / 1000);
}

export default async function grpcBench(o: BenchOptions): Promise<BenchResult> {
  const runs = Math.max(3, o.runs ?? 5);
  const pki = await makeBenchPki();
  const heads = { tls: await startBenchHead(pki.headEnv, pki.client), plain: await startBenchHead(null, null) };
  const clientTls = (m: Mode) => (m === "tls" ? pki.client : null);
  const samples: Record<Mode, Record<string, { p50: number[]; mibps: number[] }>> = { tls: {}, plain: {} };
  const conn: Record<Mode, number[]> = { tls: [], plain: [] };
  try {
    for (let r = 0; r < runs; r++) {
      for (const size of SIZES) {
        for (const m of ["plain", "tls"] as Mode[]) {
          const x = await echoRun(heads[m].port, clientTls(m), size.bytes, size.calls);
          const slot = (samples[m][size.label] ??= { p50: [], mibps: [] });
          slot.p50.push(x.p50);
          slot.mibps.push(x.mibps);
        }
      }
      for (const m of ["plain", "tls"] as Mode[]) conn[m].push(await connectRate(heads[m].port, clientTls(m)));
      o.log(`grpc run ${r + 1}/${runs} done`);
    }
  } finally {
    await Promise.all([heads.tls.stop(), heads.plain.stop()]);
    pki.cleanup();
  }
  const rows = SIZES.map((s) => {
    const t = samples.tls[s.label]!;
    const p = samples.plain[s.label]!;
    return { label: s.label, bytes: s.bytes, tlsP50: median(t.p50), plainP50: median(p.p50), tls: median(t.mibps), plain: median(p.mibps) };
  });
  const connTls = median(conn.tls);
  const connPlain = median(conn.plain);
  const markdown = [
    `### grpc: unary echo, mTLS vs plaintext (median of ${runs} runs, one connection, sequential calls)`,
    "",
    "| payload | p50 plaintext | p50 mTLS | MiB/s plaintext | MiB/s mTLS | mTLS/plaintext throughput |",
    "|---|---:|---:|---:|---:|---:|",
    ...rows.map((r) => `| ${r.label} | ${fmt(r.plainP50, 2)} ms | ${fmt(r.tlsP50, 2)} ms | ${fmt(r.plain)} | ${fmt(r.tls)} | ${fmt(r.tls / r.plain, 2)} |`),
    "",
    `New connections (connect + one 1-byte call + close): plaintext ${fmt(connPlain, 0)}/s, mTLS ${fmt(connTls, 0)}/s (ratio ${fmt(connTls / connPlain, 2)}).`,
    "",
    `![grpc throughput](grpc.svg)`,
    "",
    `Target: mTLS/plaintext throughput >= 0.7 at >= 1 MiB. Loopback, server in its own process, ${cpus().length} CPUs, ECDSA P-256 certificates, Node ${process.versions.node}.`,
    "",
  ].join("\n");
  const svg = throughputChart(
    "Unary echo throughput: mutual TLS vs plaintext",
    `median of ${runs} runs; new connections/s: plaintext ${fmt(connPlain, 0)}, mTLS ${fmt(connTls, 0)}`,
    rows.map((r) => ({ label: r.label, tls: r.tls, plain: r.plain })),
  );
  await mkdir(o.outDir, { recursive: true });
  await writeFile(join(o.outDir, "grpc.md"), markdown);
  await writeFile(join(o.outDir, "grpc.svg"), svg);
  const big = rows.filter((r) => r.bytes >= MiB);
  return {
    name: "grpc",
    markdown,
    targets: big.map((r) => ({ what: `mTLS/plaintext throughput at ${r.label} >= 0.7`, value: fmt(r.tls / r.plain, 2), met: r.tls / r.plain >= 0.7 })),
    data: { rows, connections: { tls: connTls, plain: connPlain }, samples, conn },
  };
}
