/**
 * `ray` benchmark (issue 10): what TLS costs a real Ray 2.58 cluster. Two pods (head, worker) in
 * network namespaces, configurations alternated within each run on the same pods: plaintext,
 * raytls mTLS (ECDSA P-256), the seed's RSA-2048 certificates, and the knobs (variants of mTLS).
 * Per run and configuration: a fresh cluster (timed: cluster-start), the workload driver
 * (bench/ray-bench-driver.py) in the worker pod, a second driver for driver-connect, the pods'
 * peak RSS, then the cluster is stopped by PID. Medians over the runs.
 *
 * Targets: mTLS <= 1.10x plaintext on tiny tasks and actor round trips; the large-object gap is
 * published with the AES-GCM ceiling per core from the same run, which says whether a knob can
 * narrow it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { join } from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { RaytlsError } from "../errors.js";
import { planLab, type LabPlan } from "../lab/lab-plan.js";
import { createNetwork, deleteNetwork } from "../lab/netns.js";
import { packageRoot } from "../io/package-root.js";
import { makeConfigs, type RayBenchConfig } from "./ray-configs.js";
import { netnsPids, podCommandEnv, rayBenchUnavailable, rayBinary, rayPython, runInPod, startRayCluster, type MarkHandler } from "./ray-cluster.js";
import { clockTicks, cpuBetween, cpuSnapshot, type CpuSnapshot } from "./proc-cpu.js";
import { groupProfile, perfUnavailable, startPerf, topSymbols, type PerfSession } from "./perf-profile.js";
import { pairedRatios, type CpuSamples, type RayProfile } from "./ray-cpu-report.js";
import { addSample, medianOf, parseDriverLine, rayMarkdown, rayMeasures, raySvg, type RayReportInput, type RaySamples } from "./ray-report.js";
import { measureOpensslSpeed } from "./openssl-speed.js";
import { fmt, median } from "./grpc-stats.js";
import type { BenchOptions, BenchResult } from "./scenario.js";

const run = promisify(execFile);
const LAB = "rbench";
const KNOB_RUNS = 3;
/** Blocks of 1,000 actor round trips per run; the run's figure is the median block. */
const CALL_BLOCKS = 3;

/** What openssl s_client negotiates with the head's GCS port, from the worker pod. */
async function probeTls(plan: LabPlan, config: RayBenchConfig, ray: string): Promise<string> {
  const worker = plan.pods[1]!;
  const env = config.env(worker);
  const base = ["openssl", "s_client", "-brief", "-alpn", "h2", "-connect", `${plan.pods[0]!.ip}:${plan.port}`, "-cert", env.RAY_TLS_SERVER_CERT!, "-key", env.RAY_TLS_SERVER_KEY!, "-CAfile", env.RAY_TLS_CA_CERT!];
  const say = async (extra: string[]) => {
    const r = await runInPod(plan, worker, ["sh", "-c", '"$@" </dev/null 2>&1', "sh", ...base, ...extra], podCommandEnv(ray, worker, {}), 20_000);
    const proto = /Protocol version: (\S+)/.exec(r.stdout)?.[1];
    const suite = /Ciphersuite: (\S+)/.exec(r.stdout)?.[1];
    return proto ? `${proto} ${suite ?? "?"}` : "no handshake";
  };
  // Default offer, then BoringSSL's TLS 1.3 order (AES-128-GCM first, as Ray's C-core offers), then TLS 1.2 only.
  return `default ${await say([])}, AES-128 first ${await say(["-ciphersuites", "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"])}, TLS 1.2 only ${await say(["-tls1_2"])}`;
}

/**
 * The driver's marks: CPU of both pods' processes sampled at each begin and end (into `cpu`), and
 * perf attached to them around the "profile-*" transfer (into `profiles`).
 */
function markHandler(plan: LabPlan, config: string, ticks: number, cpu: CpuSamples, profiles: Record<string, RayProfile>, dir: string, perfFailures: string[]): MarkHandler {
  const pods = async () => Promise.all(plan.pods.map(async (p) => ({ pod: p.role === "head" ? "head" : "worker", pids: await netnsPids(p.netns!) })));
  let before: CpuSnapshot | undefined;
  let perf: Array<{ pod: string; session: PerfSession }> = [];
  return async (name, edge) => {
    const profiling = name.startsWith("profile-");
    if (edge === "begin") {
      // One listing of each pod's processes serves perf and the CPU snapshot (each is an `ip netns pids`).
      const listed = await pods();
      if (profiling) {
        // A perf that cannot attach here (kernel limits) costs the profile, not the bench.
        try {
          for (const p of listed) perf.push({ pod: p.pod, session: await startPerf(p.pids, join(dir, `perf-${config}-${p.pod}.data`)) });
        } catch (err) {
          await Promise.all(perf.map((p) => p.session.stop().catch(() => [])));
          perf = [];
          perfFailures.push(`${config}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      before = await cpuSnapshot(listed, DRIVER_SCRIPT);
      return;
    }
    const after = await cpuSnapshot(await pods(), DRIVER_SCRIPT);
    const spent = cpuBetween(before!, after, ticks);
    if (profiling) {
      if (perf.length === 0) return;
      const rows = await Promise.all(perf.map(async (p) => ({ pod: p.pod, rows: await p.session.stop() })));
      perf = [];
      const all = rows.flatMap((r) => r.rows);
      profiles[config] = { size: name, groups: groupProfile(all), rows: all, top: topSymbols(all, 12), wall: spent.wall, cpu: spent.cpu, faults: spent.faults };
      return;
    }
    ((cpu[config] ??= {})[name] ??= []).push(spent);
  };
}

const DRIVER_SCRIPT = "ray-bench-driver.py";
/** Profiled once (run 1): plaintext, mTLS, and mTLS with the chunk size that narrowed the gap. */
const PROFILED: string[] = ["plaintext", "mtls", "knob-chunk2"];

/**
 * MiB/s of copying 256 MiB into fresh memory and into the same memory again (numpy, Ray's python):
 * what a first touch costs on this machine, which a transfer that allocates its buffers pays.
 */
async function measureFreshCopy(python: string): Promise<{ fresh: number; warm: number } | undefined> {
  const code = "import numpy as np,time\nn=256<<20\na=np.ones(n,np.uint8)\nt=time.perf_counter();b=np.empty(n,np.uint8);b[:]=a;f=time.perf_counter()-t\nt=time.perf_counter();b[:]=a;w=time.perf_counter()-t\nprint(256/f,256/w)";
  const out = await run(python, ["-c", code], { timeout: 60_000 }).then((r) => r.stdout.trim(), () => "");
  const m = /^(\d+(?:\.\d+)?) (\d+(?:\.\d+)?)$/.exec(out);
  return m ? { fresh: Number(m[1]), warm: Number(m[2]) } : undefined;
}

export default async function rayBench(o: BenchOptions): Promise<BenchResult> {
  const t0 = performance.now();
  const why = await rayBenchUnavailable();
  if (why) throw new RaytlsError("bench-ray-unavailable", `bench ray cannot run here: ${why}`, { kind: "check", hint: "run as root with iproute2 and Ray 2.58 installed" });
  const quick = o.quick === true;
  const runs = quick ? (o.runs ?? 1) : Math.max(5, o.runs ?? 5);
  const ray = rayBinary()!;
  const python = rayPython(ray);
  const driver = join(packageRoot(), "bench", DRIVER_SCRIPT);
  const ticks = await clockTicks();
  // perf once per bench (run 1: plaintext, mTLS, the chunk-size knob), unless --no-profile or perf is absent.
  const noPerf = perfUnavailable();
  const profile = o.profile !== false && !noPerf;
  const profileNote = o.profile === false ? "not profiled (--no-profile)" : noPerf ? `not profiled: ${noPerf}` : undefined;
  const rayVersion = (await run(python, ["-c", "import ray; print(ray.__version__)"]).catch(() => ({ stdout: "?" }))).stdout.trim();
  // Outside /tmp: each pod's /tmp is replaced by its own directory below this one.
  const dir = mkdtempSync("/var/tmp/raytls-bench-ray-");
  const plan = planLab({ name: LAB, namespace: "default", workers: 1, mode: "netns", dir });
  const made: Array<{ kind: "netns" | "etc"; name: string }> = [];
  const samples: RaySamples = {};
  const probes: Record<string, string> = {};
  const connections: Record<string, number> = {};
  const cpu: CpuSamples = {};
  const profiles: Record<string, RayProfile> = {};
  const perfFailures: string[] = [];
  const speed = await measureOpensslSpeed();
  const freshCopy = await measureFreshCopy(python);
  // The 256 MiB object is held on the head and pulled into the worker: both stores hold all of them.
  const sizes = quick ? [1, 16] : [1, 16, 64, 256];
  const objectStoreMiB = quick ? 256 : 768;
  let configs: RayBenchConfig[] = [];
  try {
    await deleteNetwork(LAB, [], []); // a crashed earlier run's namespaces
    await createNetwork(plan, async (kind, name) => void made.push({ kind, name }));
    configs = await makeConfigs(plan, { knobs: !quick });
    const worker = plan.pods[1]!;
    for (let r = 0; r < runs; r++) {
      // Rotate the order each run, so no configuration always runs first (cold page cache) or last.
      // Knobs in the first KNOB_RUNS runs only (median of 3): each costs a cluster start, and the
      // whole bench must stay under 15 minutes on 2 cores.
      const inRun = configs.filter((c) => !c.knob || r < KNOB_RUNS);
      const order = inRun.map((_, i) => inRun[(i + r) % inRun.length]!);
      for (const c of order) {
        const cluster = await startRayCluster(plan, { ray, podEnv: c.env, objectStoreMiB });
        try {
          addSample(samples, c.name, { "cluster-start": cluster.startMs });
          const env = podCommandEnv(ray, worker, c.env(worker));
          const profileHere = profile && r === 0 && PROFILED.includes(c.name);
          const workArgs = ["work", "--sizes", sizes.join(","), "--sync", "1", "--call-blocks", String(quick ? 1 : CALL_BLOCKS), ...(quick ? ["--tasks", "200", "--calls", "200"] : []), ...(profileHere ? ["--profile-size", String(sizes.at(-1))] : [])];
          const onMark = markHandler(plan, c.name, ticks, cpu, profiles, dir, perfFailures);
          const w = await runInPod(plan, worker, [python, driver, ...workArgs, ...(c.knob?.objectsOnly ? ["--tasks", "0", "--calls", "0"] : [])], env, 300_000, onMark);
          if (w.code !== 0) throw new RaytlsError("bench-driver", `${c.name}: the workload driver exited ${w.code}`, { kind: "check", hint: w.stderr.slice(-1500) });
          const values = parseDriverLine(w.stdout, `${c.name} run ${r + 1}`);
          if (c.knob?.objectsOnly) {
            delete values["tiny-tasks-1000"];
            delete values["actor-calls-1000"];
          }
          addSample(samples, c.name, values);
          if (r === 0) connections[c.name] = await cluster.connections(plan.pods[0]!);
          if (!c.knob) {
            const d = await runInPod(plan, worker, [python, driver, "connect"], env);
            if (d.code !== 0) throw new RaytlsError("bench-driver", `${c.name}: the connect driver exited ${d.code}`, { kind: "check", hint: d.stderr.slice(-1500) });
            addSample(samples, c.name, parseDriverLine(d.stdout, `${c.name} connect, run ${r + 1}`));
            addSample(samples, c.name, { "peak-rss": await cluster.peakRssMiB() });
          }
          if (r === 0 && (c.name === "mtls" || c.name === "seedRsa")) probes[c.name] = await probeTls(plan, c, ray);
        } finally {
          await cluster.stop();
        }
      }
      o.log(`ray run ${r + 1}/${runs} done (${fmt((performance.now() - t0) / 60_000, 1)} min)`);
    }
  } finally {
    await deleteNetwork(LAB, made.filter((m) => m.kind === "netns").map((m) => m.name), made.filter((m) => m.kind === "etc").map((m) => m.name));
    rmSync(dir, { recursive: true, force: true });
  }
  const input: RayReportInput = {
    runs,
    samples,
    knobs: configs.filter((c) => c.knob).map((c) => ({ name: c.name, what: c.what, setting: c.knob!.setting, base: c.knob!.base, runs: Math.min(KNOB_RUNS, runs) })),
    speed,
    probes,
    cpus: cpus().length,
    rayVersion,
    quick,
    minutes: (performance.now() - t0) / 60_000,
    connections,
    cpu,
    profiles,
    ...(profileNote || perfFailures.length ? { profileNote: profileNote ?? `not profiled: perf failed (${perfFailures[0]})` } : {}),
    ...(freshCopy ? { freshCopy } : {}),
    calls: quick ? 200 : 1000,
    callBlocks: quick ? 1 : CALL_BLOCKS,
  };
  const markdown = rayMarkdown(input);
  await mkdir(o.outDir, { recursive: true });
  await writeFile(join(o.outDir, "ray.svg"), raySvg(input));
  const measures = rayMeasures(samples);
  const factor = (m: "tiny-tasks-1000" | "actor-calls-1000") => medianOf(samples, "mtls", m) / medianOf(samples, "plaintext", m);
  const paired = (m: "tiny-tasks-1000" | "actor-calls-1000") => {
    const r = pairedRatios(samples.mtls?.[m] ?? [], samples.plaintext?.[m] ?? [], false);
    return r.length ? `run by run: median ${fmt(median(r), 2)}x, ${fmt(Math.min(...r), 2)}-${fmt(Math.max(...r), 2)}x` : "no runs";
  };
  const big = quick ? "object-16MiB" : "object-256MiB";
  const gap = medianOf(samples, "plaintext", big) / medianOf(samples, "mtls", big);
  return {
    name: "ray",
    markdown,
    targets: [
      { what: "mTLS <= 1.10x plaintext on 1,000 tiny tasks", value: `${fmt(factor("tiny-tasks-1000"), 2)}x (${paired("tiny-tasks-1000")})`, met: factor("tiny-tasks-1000") <= 1.1 },
      { what: "mTLS <= 1.10x plaintext on 1,000 actor round trips", value: `${fmt(factor("actor-calls-1000"), 2)}x (${paired("actor-calls-1000")})`, met: factor("actor-calls-1000") <= 1.1 },
      {
        what: `large-object gap measured and published (${big}), beside the AES-128-GCM ceiling per core`,
        value: `mTLS takes ${fmt(gap, 2)}x plaintext's time; AES-128-GCM ${fmt(speed.aes128gcm, 0)} MiB/s per core vs plaintext ${fmt(medianOf(samples, "plaintext", big), 0)} MiB/s`,
        met: Number.isFinite(gap),
      },
    ],
    measures,
    data: { runs, quick, sizes, rayVersion, speed, freshCopy, probes, connections, knobs: input.knobs, samples, cpu, profiles: Object.fromEntries(Object.entries(profiles).map(([k, { rows: _rows, ...p }]) => [k, p])) },
  };
}
