/**
 * The pure half of `raytls bench ray`: reading the driver's JSON line (strictly: it crossed a
 * process boundary), medians per configuration, the `measures` entries of `--json`, the markdown
 * report and the chart. No processes, no files: unit-tested on their own.
 */
import { RaytlsError } from "../errors.js";
import { fmt, median } from "./grpc-stats.js";
import { throughputChart } from "./grpc-svg-chart.js";
import type { OpensslSpeed } from "./openssl-speed.js";
import { callCpuLines, cpuMedians, cpuTable, pairedTable, profileTable, type CpuReportInput, type CpuSamples, type RayProfile } from "./ray-cpu-report.js";

/** The measures of issue 10, names and units exactly as it gives them (peak RSS added, MiB). */
export const RAY_MEASURES = [
  { measure: "cluster-start", unit: "ms", what: "cluster start (head ready, worker joined)" },
  { measure: "tiny-tasks-1000", unit: "ms", what: "1,000 tiny tasks on the other node" },
  { measure: "actor-calls-1000", unit: "ms", what: "1,000 round trips to an actor on the other node" },
  { measure: "driver-connect", unit: "ms", what: "new driver: `ray.init` + first task" },
  { measure: "object-1MiB", unit: "MiB/s", what: "object moved between nodes, 1 MiB" },
  { measure: "object-16MiB", unit: "MiB/s", what: "object moved between nodes, 16 MiB" },
  { measure: "object-64MiB", unit: "MiB/s", what: "object moved between nodes, 64 MiB" },
  { measure: "object-256MiB", unit: "MiB/s", what: "object moved between nodes, 256 MiB" },
  { measure: "peak-rss", unit: "MiB", what: "peak RSS of the Ray processes, both pods (sum of VmHWM)" },
] as const;

export type MeasureName = (typeof RAY_MEASURES)[number]["measure"];
const NAMES = new Set<string>(RAY_MEASURES.map((m) => m.measure));

/** samples[config][measure] = one value per run. */
export type RaySamples = Record<string, Partial<Record<MeasureName, number[]>>>;

export interface RayMeasure {
  measure: MeasureName;
  unit: string;
  plaintext: number;
  mtls: number;
  seedRsa: number;
}

/**
 * The driver's one line of JSON (the last line of stdout that starts with "{"): known measure
 * names with finite, non-negative numbers, nothing else. Anything else is an error naming what.
 */
export function parseDriverLine(stdout: string, where: string): Partial<Record<MeasureName, number>> {
  const line = stdout.split("\n").reverse().find((l) => l.trim().startsWith("{"));
  if (!line || line.length > 10_000) throw new RaytlsError("bench-driver", `${where}: no JSON line in the driver's output`, { kind: "check", hint: `the driver printed: ${stdout.slice(-400) || "(nothing)"}` });
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new RaytlsError("bench-driver", `${where}: the driver's line is not JSON: ${(err as Error).message}`, { kind: "check", cause: err });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new RaytlsError("bench-driver", `${where}: the driver's line is not a JSON object`, { kind: "check" });
  const out: Partial<Record<MeasureName, number>> = {};
  for (const [k, v] of Object.entries(value)) {
    if (!NAMES.has(k)) throw new RaytlsError("bench-driver", `${where}: unknown measure "${k}" from the driver`, { kind: "check" });
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new RaytlsError("bench-driver", `${where}: measure "${k}" is not a finite non-negative number`, { kind: "check" });
    out[k as MeasureName] = v;
  }
  return out;
}

export function addSample(samples: RaySamples, config: string, values: Partial<Record<MeasureName, number>>): void {
  const slot = (samples[config] ??= {});
  for (const [k, v] of Object.entries(values)) (slot[k as MeasureName] ??= []).push(v);
}

export function medianOf(samples: RaySamples, config: string, measure: MeasureName): number {
  const v = samples[config]?.[measure];
  return v && v.length ? median(v) : NaN;
}

/** `--json`'s entries: the medians of the three configurations (NaN becomes null in JSON). */
export function rayMeasures(samples: RaySamples): RayMeasure[] {
  return RAY_MEASURES.map(({ measure, unit }) => ({
    measure,
    unit,
    plaintext: medianOf(samples, "plaintext", measure),
    mtls: medianOf(samples, "mtls", measure),
    seedRsa: medianOf(samples, "seedRsa", measure),
  }));
}

/** How many times plaintext's time a value is: >1 is slower, for ms and MiB/s alike (MiB is memory: the plain ratio). */
export function timeFactor(unit: string, value: number, plaintext: number): number {
  return unit === "MiB/s" ? plaintext / value : value / plaintext;
}

export interface RayReportInput {
  runs: number;
  samples: RaySamples;
  knobs: Array<{ name: string; what: string; setting: string; base: "mtls" | "plaintext"; runs: number }>;
  speed: OpensslSpeed;
  /** What `openssl s_client` negotiated with a Ray port, per configuration. */
  probes: Record<string, string>;
  cpus: number;
  rayVersion: string;
  quick: boolean;
  minutes: number;
  /** Established TCP connections in the head pod after the workload, per configuration (first run). */
  connections: Record<string, number>;
  /** CPU of both pods per piece of work and run (/proc), and perf's profiles (run 1). */
  cpu: CpuSamples;
  profiles: Record<string, RayProfile>;
  profileNote?: string;
  /** MiB/s of a 256 MiB copy into fresh and into already-touched memory, this machine (numpy). */
  freshCopy?: { fresh: number; warm: number };
  /** Calls per block of tiny tasks and actor round trips, and actor blocks per run. */
  calls: number;
  callBlocks: number;
}

/** The CPU sections' view of the input. */
export function cpuReportInput(i: RayReportInput): CpuReportInput {
  const configs = [
    { name: "plaintext", what: "plaintext" },
    { name: "mtls", what: "raytls mTLS" },
    { name: "seedRsa", what: "seed RSA-2048" },
    ...i.knobs.map((k) => ({ name: k.name, what: k.what })),
  ];
  return { cpu: i.cpu, profiles: i.profiles, ...(i.profileNote ? { profileNote: i.profileNote } : {}), configs, big: i.quick ? "object-16MiB" : "object-256MiB", mib: i.quick ? 16 : 256, cpus: i.cpus, calls: i.calls, callBlocks: i.callBlocks };
}

/** Each side of a mutual TLS 1.3 handshake signs once (CertificateVerify) and verifies twice (the peer's certificate, its CertificateVerify). */
export function handshakeMicros(sig: { sign: number; verify: number }): number {
  return (1 / sig.sign + 2 / sig.verify) * 1e6;
}

/** "min-max" of a measure's runs, in seconds. */
function range(i: RayReportInput, config: string, measure: MeasureName): string {
  const v = i.samples[config]?.[measure] ?? [];
  return v.length ? `${fmt(Math.min(...v) / 1000, 1)}-${fmt(Math.max(...v) / 1000, 1)}` : "n/a";
}

/**
 * What 2 MiB chunks did to mTLS and to plaintext, and to the gap between them at equal settings:
 * a setting narrows the gap only if it helps mTLS clearly more than plaintext.
 */
export function chunkSentence(i: RayReportInput, big: MeasureName, mib: number): string {
  const m = (config: string) => medianOf(i.samples, config, big);
  const [t, p, kt, kp] = [m("mtls"), m("plaintext"), m("knob-chunk2"), m("knob-plain-chunk2")];
  if (![t, p, kt, kp].every(Number.isFinite)) return "";
  const before = p / t;
  const after = kp / kt;
  const verdict = after < before * 0.9 ? "the setting narrows the gap" : "the setting lowers the cost of both, not the ratio between them";
  return `With 2 MiB chunks (fewer bytes in flight, less fresh memory) mTLS moved ${mib} MiB ${fmt(kt / t, 2)}x as fast as with Ray's default and plaintext ${fmt(kp / p, 2)}x; mTLS took ${fmt(before, 2)}x plaintext's time at Ray's defaults and ${fmt(after, 2)}x with both at 2 MiB: ${verdict}.`;
}

/** Why each row costs what it does, with the same run's figures. */
export function explanations(i: RayReportInput): string[] {
  const s = i.speed;
  const conns = i.connections.mtls ?? i.connections.plaintext ?? NaN;
  const ec = handshakeMicros(s.ecdsaP256);
  const rsa = handshakeMicros(s.rsa2048);
  const c = cpuReportInput(i);
  const plainS = c.mib / medianOf(i.samples, "plaintext", c.big as MeasureName);
  const tlsS = c.mib / medianOf(i.samples, "mtls", c.big as MeasureName);
  // Encrypted once on the head, decrypted once on the worker, each on its own core.
  const aesS = c.mib / s.aes128gcm;
  const cpu = (config: string) => (i.cpu[config]?.[c.big]?.length ? cpuMedians(i.cpu[config]![c.big]!) : undefined);
  const [p, t] = [cpu("plaintext"), cpu("mtls")];
  const load = [p, t].map((x) => (x ? fmt(x.total / x.wall, 2) : "n/a"));
  const bound = [p, t].every((x) => x && x.total / x.wall >= 0.85 * i.cpus);
  const extraFaults = p && t ? (t.faults - p.faults) / c.mib : NaN;
  const copy = i.freshCopy ? ` On this machine a first touch is dear: copying 256 MiB into fresh memory ran at ${fmt(i.freshCopy.fresh, 0)} MiB/s, into memory already touched at ${fmt(i.freshCopy.warm, 0)} MiB/s (numpy, same run).` : "";
  const perGiB = (x: typeof p) => (x ? fmt(x.total / (c.mib / 1024), 1) : "n/a");
  const faults = (x: typeof p) => (x ? fmt(x.faults / c.mib, 0) : "n/a");
  const rss = (config: string) => medianOf(i.samples, config, "peak-rss");
  return [
    "Why each row costs what it does:",
    "",
    `- **Handshakes and connections.** Every gRPC channel between Ray processes is one TCP connection and, with TLS, one handshake, made once and then reused. After the workload the head pod held ${fmt(i.connections.plaintext ?? NaN, 0)} established TCP connections in plaintext and ${fmt(conns, 0)} with mTLS. Why: Ray builds every channel with new credentials (BuildChannel in src/ray/rpc/grpc_client.cc calls grpc::SslCredentials each time), and gRPC C-core lets channels to one address share a connection only when their channel arguments, credentials included, compare equal; SSL credentials compare by pointer (ssl_credentials.h), while insecure credentials are one singleton that compares equal to itself (insecure_credentials.cc), so plaintext channels to the same peer share one connection and TLS channels get one each. What it costs: in a mutual TLS 1.3 handshake each side signs once and verifies twice, ${fmt(ec, 0)} us of CPU per side with ECDSA P-256 and ${fmt(rsa, 0)} us with RSA-2048 (openssl speed above), so ${fmt(conns, 0)} handshakes cost ${fmt((conns * ec) / 1000, 0)} ms (ECDSA) or ${fmt((conns * rsa) / 1000, 0)} ms (RSA) of CPU per side in all; peak RSS of the Ray processes was ${fmt(rss("mtls") - rss("plaintext"), 0)} MiB higher with mTLS (${fmt(rss("plaintext"), 0)} vs ${fmt(rss("mtls"), 0)} MiB, both pods). Cluster start ranged ${range(i, "plaintext", "cluster-start")} s in plaintext, ${range(i, "mtls", "cluster-start")} s with mTLS and ${range(i, "seedRsa", "cluster-start")} s with the seed's RSA certificates across runs on this shared machine: the certificate's key type cannot explain differences of seconds there.`,
    "- **Small calls** (tiny tasks, actor round trips) ride channels that are already open: TLS adds an AES-GCM seal and open per message of a few hundred bytes (well under a microsecond at the speed above) plus gRPC's secure endpoint around it; the CPU per call above says what that costs all of Ray's processes together, and the run-by-run ratios say how far one run's ratio moves on this shared machine.",
    `- **Objects.** Ray's object manager sends an object as chunks (RAY_object_manager_default_chunk_size, 5 MiB by default), each a gRPC message, which TLS cuts into 16 KiB records. Moving ${c.mib} MiB took ${fmt(plainS, 2)} s in plaintext and ${fmt(tlsS, 2)} s with mTLS. ${bound ? "The transfer is CPU-bound" : "The transfer is not CPU-bound here"}: the two pods' processes kept ${load[0]} (plaintext) and ${load[1]} (mTLS) of the ${i.cpus} cores busy${bound ? ", so every extra CPU second is wall time" : ""}; mTLS spent ${perGiB(t)} CPU s per GiB moved against ${perGiB(p)}. The cipher is a small part of it: AES-128-GCM at this machine's ${fmt(s.aes128gcm, 0)} MiB/s per core accounts for ${fmt(aesS, 3)} s on each side (${fmt(tlsS - plainS > 0 ? Math.min(1, aesS / (tlsS - plainS)) * 100 : NaN, 0)}% of the wall-time gap), and perf's cipher group above says the same. Most CPU in every configuration goes to touching memory (page faults, memcpy into new buffers, the kernel's socket copies): ${faults(p)} minor page faults per MiB moved in plaintext and ${faults(t)} with mTLS; a fresh 4 KiB page for every 4 KiB moved is 256 per MiB, so mTLS faulted in about ${fmt(extraFaults / 256, 1)} more fresh copies of the object's bytes (the secure endpoint's encrypted and decrypted buffers come on top of plaintext's).${copy} ${chunkSentence(i, c.big as MeasureName, c.mib)}`,
    "",
  ];
}

const OBJECTS: MeasureName[] = ["object-1MiB", "object-16MiB", "object-64MiB", "object-256MiB"];

export function knobRows(i: RayReportInput): string[] {
  return i.knobs.map((k) => {
    const cells = OBJECTS.map((m) => {
      const v = medianOf(i.samples, k.name, m);
      const base = medianOf(i.samples, k.base, m);
      return `${fmt(v, 0)} (${fmt(v / base, 2)})`;
    });
    return `| ${k.what} | ${fmt(medianOf(i.samples, k.name, "cluster-start"), 0)} ms | ${cells.join(" | ")} |`;
  });
}

export function rayMarkdown(i: RayReportInput): string {
  const rows = rayMeasures(i.samples).map((m) => {
    const def = RAY_MEASURES.find((d) => d.measure === m.measure)!;
    const d = m.unit === "MiB/s" ? 1 : 0;
    return `| ${def.what} | \`${m.measure}\` | ${fmt(m.plaintext, d)} ${m.unit} | ${fmt(m.mtls, d)} ${m.unit} | ${fmt(m.seedRsa, d)} ${m.unit} | ${fmt(timeFactor(m.unit, m.mtls, m.plaintext), 2)} | ${fmt(timeFactor(m.unit, m.seedRsa, m.plaintext), 2)} |`;
  });
  const s = i.speed;
  return [
    `### ray: what TLS costs a Ray ${i.rayVersion} cluster (median of ${i.runs} run${i.runs === 1 ? "" : "s"}${i.quick ? ", quick mode" : ""})`,
    "",
    "Head and worker pods, each its own network namespace and /tmp, one CPU each for Ray; the driver runs in the worker pod and the work runs on the head (node affinity), so every row crosses the network between the pods. The configurations alternate within each run on the same pods.",
    "",
    "| work, worker <- head | measure | plaintext | raytls mTLS (ECDSA P-256) | seed RSA-2048 | mTLS, x plaintext time | seed RSA, x plaintext time |",
    "|---|---|---:|---:|---:|---:|---:|",
    ...rows,
    "",
    "x plaintext time: above 1 is slower (for objects, plaintext's MiB/s over the configuration's; for peak RSS, the memory ratio).",
    "",
    "![Ray object transfer: plaintext, mTLS, the seed's RSA certificates](ray.svg)",
    "",
    `Same run, one core: AES-128-GCM ${fmt(s.aes128gcm, 0)} MiB/s, AES-256-GCM ${fmt(s.aes256gcm, 0)} MiB/s (16 KiB blocks); ECDSA P-256 ${fmt(s.ecdsaP256.sign, 0)} signs/s, ${fmt(s.ecdsaP256.verify, 0)} verifies/s; RSA-2048 ${fmt(s.rsa2048.sign, 0)} signs/s, ${fmt(s.rsa2048.verify, 0)} verifies/s (${s.version}).`,
    "",
    `Negotiated between a Ray port and a client (openssl s_client in the worker pod, head's GCS port): ${Object.entries(i.probes).map(([c, p]) => `${c}: ${p}`).join("; ") || "not probed"}.`,
    "",
    ...(i.knobs.length
      ? [
          `#### Knobs (one setting on top of raytls mTLS, or of plaintext where it says so; median of ${i.knobs[0]!.runs} runs; MiB/s and, in brackets, the ratio to the same configuration without the setting: above 1 is faster)`,
          "",
          "| setting | cluster start | 1 MiB | 16 MiB | 64 MiB | 256 MiB |",
          "|---|---:|---:|---:|---:|---:|",
          ...knobRows(i),
          "",
        ]
      : []),
    ...pairedTable(i.samples, [...RAY_MEASURES]),
    ...cpuTable(cpuReportInput(i)),
    ...callCpuLines(cpuReportInput(i)),
    ...profileTable(cpuReportInput(i)),
    ...explanations(i),
    `${i.cpus} CPUs, Node ${process.versions.node}; the whole bench took ${fmt(i.minutes, 1)} min.`,
    "",
  ].join("\n");
}

export function raySvg(i: RayReportInput): string {
  const m = rayMeasures(i.samples).filter((x) => x.unit === "MiB/s");
  return throughputChart(
    `Ray ${i.rayVersion}: object moved between nodes, plaintext, mTLS, seed RSA`,
    `median of ${i.runs} runs; head and worker pods in network namespaces, ${i.cpus} CPUs`,
    m.map((x) => ({ label: x.measure.replace("object-", "").replace("MiB", " MiB"), tls: x.mtls, plain: x.plaintext, seedRsa: x.seedRsa })),
  );
}
