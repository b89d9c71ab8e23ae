/**
 * `grpc` benchmark: unary echo over mutual TLS vs plaintext, same head code, same run, at
 * 1 KiB, 64 KiB, 1 MiB and 16 MiB (p50 latency and MiB/s, sequential calls on one connection),
 * plus the new-connection rate (connect + one tiny call + close). Median of repeated runs, the
 * modes interleaved within each run. Puts numbers on the seed's warning that TLS overhead "is large
 * for small workloads and becomes relatively smaller for large workloads".
 * No target: issue 3's 0.7 at >= 1 MiB was retired by issue 10 (the bare Node TLS socket reference
 * below showed Node's own TLS socket is the ceiling). It stays as a reference for raytls's own nodes;
 * what TLS costs Ray itself is `bench ray`.
 *
 * Two references from the same run put raytls's ratio in context: gRPC C-core, Ray's own stack,
 * doing the same echo (grpc-core-reference.ts), and a bare Node TLS socket with no HTTP/2 or gRPC
 * at the large sizes (socket-echo.ts), the most any gRPC on Node's TLS can reach.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cpus } from "node:os";
import { RayRpcClient } from "../ray/rpc-client.js";
import { resolveTarget } from "../ray/dial-target.js";
import type { ClientTls } from "../ray/client-tls.js";
import { spawn } from "node:child_process";
import { raytlsCommand } from "../io/package-root.js";
import { firstLine, makeBenchPki, startBenchHead, stopChild, type BenchPki } from "./grpc-bench-peer.js";
import { coreReferenceUnavailable, startCoreReference, type CoreReference } from "./grpc-core-reference.js";
import { socketEchoRun } from "./socket-echo.js";
import { echoMethod } from "./echo-service.js";
import { fmt, median, percentile, sortNumbers } from "./grpc-stats.js";
import { throughputChart } from "./grpc-svg-chart.js";
import { benchInvalidError, type BenchOptions, type BenchResult } from "./scenario.js";

const KiB = 1024;
const MiB = 1024 * KiB;
const SIZES: Array<{ label: string; bytes: number; calls: number }> = [
  { label: "1 KiB", bytes: KiB, calls: 1000 },
  { label: "64 KiB", bytes: 64 * KiB, calls: 300 },
  { label: "1 MiB", bytes: MiB, calls: 40 },
  { label: "16 MiB", bytes: 16 * MiB, calls: 8 },
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
const MODES: Mode[] = ["plain", "tls"];
type Samples = Record<Mode, Record<string, { p50: number[]; mibps: number[] }>>;

function record(samples: Samples, m: Mode, label: string, x: { p50: number; mibps: number }): void {
  const slot = (samples[m][label] ??= { p50: [], mibps: [] });
  slot.p50.push(x.p50);
  slot.mibps.push(x.mibps);
}

/** mTLS/plaintext throughput ratio of the medians, or NaN where a reference did not run. */
function ratio(samples: Samples, label: string): number {
  const t = samples.tls[label];
  const p = samples.plain[label];
  return t && p ? median(t.mibps) / median(p.mibps) : NaN;
}

/** The bare-socket echo servers, one per mode, each its own process. */
async function startSocketEchoServers(pki: BenchPki): Promise<{ port: Record<Mode, number>; stop(): Promise<void> }> {
  const { cmd, args } = raytlsCommand();
  const children = MODES.map((m) =>
    spawn(cmd, [...args, "bench", "--serve-socket-echo", m], { stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...pki.headEnv } }),
  );
  const stop = async () => void (await Promise.all(children.map(stopChild)));
  try {
    const ports = await Promise.all(children.map((c, i) => firstLine<{ port: number }>(c, `socket echo server (${MODES[i]})`)));
    return { port: { plain: ports[0]!.port, tls: ports[1]!.port }, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function echoRun(port: number, tls: ClientTls | null, bytes: number, calls: number): Promise<{ p50: number; mibps: number }> {
  const c = new RayRpcClient(resolveTarget(`127.0.0.1:${port}`), tls, OPTS);
  const payload = Buffer.alloc(bytes, 7);
  try {
    for (let i = 0; i < Math.min(3, calls); i++) await c.callMethod(echoMethod, { payload }, { timeoutMs: 60_000 }); // warm-up
    const lat: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) {
      const t = performance.now();
      const r = await c.callMethod(echoMethod, { payload }, { timeoutMs: 60_000 });
      if (r.payload.length !== bytes) throw benchInvalidError(`echo returned ${r.payload.length} bytes, sent ${bytes}`);
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
    await c.callMethod(echoMethod, { payload: Buffer.alloc(1) }, { timeoutMs: 10_000 });
    c.close();
  }
  return CONNECTIONS / ((performance.now() - t0) / 1000);
}

export default async function grpcBench(o: BenchOptions): Promise<BenchResult> {
  const runs = Math.max(3, o.runs ?? 5);
  const pki = await makeBenchPki();
  const heads = { tls: await startBenchHead(pki.headEnv, pki.client), plain: await startBenchHead(null, null) };
  const clientTls = (m: Mode) => (m === "tls" ? pki.client : null);
  const samples: Samples = { tls: {}, plain: {} };
  const core: Samples = { tls: {}, plain: {} };
  const socket: Samples = { tls: {}, plain: {} };
  const conn: Record<Mode, number[]> = { tls: [], plain: [] };
  const coreSkipped = coreReferenceUnavailable();
  if (coreSkipped) o.log(coreSkipped);
  let reference: CoreReference | undefined;
  let sockets: Awaited<ReturnType<typeof startSocketEchoServers>> | undefined;
  try {
    reference = coreSkipped ? undefined : await startCoreReference(pki);
    sockets = await startSocketEchoServers(pki);
    for (let r = 0; r < runs; r++) {
      for (const size of SIZES) {
        for (const m of MODES) record(samples, m, size.label, await echoRun(heads[m].port, clientTls(m), size.bytes, size.calls));
      }
      for (const m of MODES) conn[m].push(await connectRate(heads[m].port, clientTls(m)));
      for (const m of MODES) {
        for (const size of SIZES.filter((x) => x.bytes >= MiB)) record(socket, m, size.label, await socketEchoRun(sockets.port[m], clientTls(m), size.bytes, size.calls));
        const rows = reference ? await reference.pass(m, SIZES) : [];
        for (const row of rows) record(core, m, SIZES.find((x) => x.bytes === row.bytes)!.label, { p50: row.p50_ms, mibps: row.mibps });
      }
      o.log(`grpc run ${r + 1}/${runs} done`);
    }
  } finally {
    await Promise.all([heads.tls.stop(), heads.plain.stop(), reference?.stop(), sockets?.stop()]);
    pki.cleanup();
  }
  const rows = SIZES.map((s) => {
    const t = samples.tls[s.label]!;
    const p = samples.plain[s.label]!;
    return { label: s.label, bytes: s.bytes, tlsP50: median(t.p50), plainP50: median(p.p50), tls: median(t.mibps), plain: median(p.mibps), core: ratio(core, s.label), socket: ratio(socket, s.label) };
  });
  const connTls = median(conn.tls);
  const connPlain = median(conn.plain);
  const markdown = [
    `### grpc: unary echo, mTLS vs plaintext (median of ${runs} runs, one connection, sequential calls)`,
    "",
    "| payload | p50 plaintext | p50 mTLS | MiB/s plaintext | MiB/s mTLS | mTLS/plaintext throughput | same, gRPC C-core (Ray's stack) | same, bare Node TLS socket |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map((r) => `| ${r.label} | ${fmt(r.plainP50, 2)} ms | ${fmt(r.tlsP50, 2)} ms | ${fmt(r.plain)} | ${fmt(r.tls)} | ${fmt(r.tls / r.plain, 2)} | ${fmt(r.core, 2)} | ${fmt(r.socket, 2)} |`),
    "",
    `The last two columns are references from the same run: the same echo through gRPC C-core (Debian's python3-grpcio, client and server), ${coreSkipped ? `**not run: ${coreSkipped}**` : "the stack Ray itself uses"}; and, at 1 MiB and up, a bare Node TLS socket against plain TCP with no HTTP/2 or gRPC, the most any gRPC on Node's TLS can reach. n/a: not measured.`,
    "",
    `New connections (connect + one 1-byte call + close): plaintext ${fmt(connPlain, 0)}/s, mTLS ${fmt(connTls, 0)}/s (ratio ${fmt(connTls / connPlain, 2)}).`,
    "",
    `![grpc throughput](grpc.svg)`,
    "",
    `No target (a reference for raytls's own nodes; what TLS costs Ray itself: [ray.md](ray.md)). Loopback, server in its own process, ${cpus().length} CPUs, ECDSA P-256 certificates, Node ${process.versions.node}.`,
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
  return {
    name: "grpc",
    markdown,
    targets: [],
    data: { rows, connections: { tls: connTls, plain: connPlain }, samples, conn, reference: { core, socket, coreSkipped } },
  };
}
