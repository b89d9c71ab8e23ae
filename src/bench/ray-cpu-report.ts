/**
 * The CPU half of `bench ray`'s report (issue 10): where a transfer's CPU went (per pod and
 * process, from /proc), whether the cores were saturated, CPU per small call, the per-run paired
 * ratios beside the ratio of medians, and perf's profile grouped by what the CPU did. Pure: data
 * in, markdown out.
 */
import { fmt, median } from "./grpc-stats.js";
import { extraSymbols, PERF_HZ, PROFILE_GROUPS, profileGroup, type PerfRow, type ProfileGroup } from "./perf-profile.js";
import type { CpuSeconds } from "./proc-cpu.js";

/** cpu[config][work] = one {wall, cpu} per run, work being a driver mark (`object-256MiB`, `actor-calls-1000`). */
export type CpuSamples = Record<string, Record<string, Array<{ wall: number; cpu: CpuSeconds; faults: number }>>>;

export interface RayProfile {
  /** The mark profiled, e.g. `profile-256MiB`. */
  size: string;
  /** perf samples per group, both pods (PERF_HZ samples per CPU second). */
  groups: Record<ProfileGroup, number> & { total: number };
  /** Every row of perf's report, both pods (kept out of ray.json: the groups and `top` go there). */
  rows: PerfRow[];
  top: PerfRow[];
  /** /proc's view of the same transfer. */
  wall: number;
  cpu: CpuSeconds;
  faults: number;
}

const sum = (c: CpuSeconds, match: (key: string) => boolean = () => true) => Object.entries(c).reduce((a, [k, v]) => a + (match(k) ? v : 0), 0);

/** The columns of the CPU table: a label and which `<pod> <group>` keys it sums. */
const COLUMNS: Array<[string, (key: string) => boolean]> = [
  ["head raylet", (k) => k === "head raylet"],
  ["worker raylet", (k) => k === "worker raylet"],
  ["core workers + driver", (k) => k.endsWith(" core workers") || k.endsWith(" driver")],
  ["GCS + other", (k) => k.endsWith(" gcs_server") || k.endsWith(" other")],
];

/** Medians over runs of one work's wall, total CPU and each column. */
export function cpuMedians(runs: Array<{ wall: number; cpu: CpuSeconds; faults: number }>): { wall: number; total: number; faults: number; columns: number[] } {
  return {
    wall: median(runs.map((r) => r.wall)),
    total: median(runs.map((r) => sum(r.cpu))),
    faults: median(runs.map((r) => r.faults)),
    columns: COLUMNS.map(([, m]) => median(runs.map((r) => sum(r.cpu, m)))),
  };
}

/** Per-run ratios config/plaintext of a time-like series (same index = same run), as time factors. */
export function pairedRatios(config: number[], plaintext: number[], throughput: boolean): number[] {
  const n = Math.min(config.length, plaintext.length);
  return Array.from({ length: n }, (_, i) => (throughput ? plaintext[i]! / config[i]! : config[i]! / plaintext[i]!)).filter(Number.isFinite);
}

export interface CpuReportInput {
  cpu: CpuSamples;
  profiles: Record<string, RayProfile>;
  profileNote?: string;
  /** Configurations in report order, with their labels. */
  configs: Array<{ name: string; what: string }>;
  /** The biggest object moved (`object-256MiB`), its MiB, and the cores of the machine. */
  big: string;
  mib: number;
  cpus: number;
  calls: number;
  callBlocks: number;
}

/** Where the big transfer's CPU went, per configuration, medians of the runs. */
export function cpuTable(i: CpuReportInput): string[] {
  const rows = i.configs.flatMap((c) => {
    const runs = i.cpu[c.name]?.[i.big];
    if (!runs?.length) return [];
    const m = cpuMedians(runs);
    return [`| ${c.what} | ${fmt(m.wall, 2)} | ${fmt(m.total, 2)} | ${fmt(m.total / m.wall, 2)} | ${fmt(m.total / (i.mib / 1024), 1)} | ${fmt(m.faults / i.mib, 0)} | ${m.columns.map((v) => fmt(v, 2)).join(" | ")} |`];
  });
  if (!rows.length) return [];
  return [
    `#### Where the CPU goes: the ${i.mib} MiB transfer (utime + stime of every process in both pods, /proc, medians of the runs)`,
    "",
    `| configuration | wall s | CPU s | CPU s / wall s (${i.cpus} cores: ${fmt(i.cpus, 1)} = saturated) | CPU s per GiB | minor page faults per MiB moved | ${COLUMNS.map(([l]) => `${l}, CPU s`).join(" | ")} |`,
    `|---|---:|---:|---:|---:|---:|${COLUMNS.map(() => "---:").join("|")}|`,
    ...rows,
    "",
  ];
}

/** Median CPU per call of one configuration, total and per `<pod> <group>` key, in us. */
function perCall(i: CpuReportInput, config: string, work: string, n: number): { total: number; keys: Record<string, number> } {
  const runs = i.cpu[config]?.[work] ?? [];
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.cpu)))];
  const us = (v: number[]) => (v.length ? (median(v) / n) * 1e6 : NaN);
  return { total: us(runs.map((r) => sum(r.cpu))), keys: Object.fromEntries(keys.map((k) => [k, us(runs.map((r) => r.cpu[k] ?? 0))])) };
}

/** CPU per small call (tiny tasks, actor round trips), both pods, per configuration, and where mTLS's extra went. */
export function callCpuLines(i: CpuReportInput): string[] {
  const works: Array<[string, string, number]> = [
    ["tiny-tasks-1000", "tiny task", i.calls],
    ["actor-calls-1000", "actor round trip", i.calls * i.callBlocks],
  ];
  const cells = works.map(([w, label, n]) => {
    const p = perCall(i, "plaintext", w, n);
    const t = perCall(i, "mtls", w, n);
    const s = perCall(i, "seedRsa", w, n);
    const extra = Object.entries(t.keys)
      .map(([k, v]) => [k, v - (p.keys[k] ?? 0)] as const)
      .filter(([, d]) => d > 0)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([k, d]) => `${k} +${fmt(d, 0)}`);
    return `${label}: plaintext ${fmt(p.total, 0)} us, mTLS ${fmt(t.total, 0)} us (${fmt(t.total / p.total, 2)}x${extra.length ? `; most of the extra: ${extra.join(", ")} us` : ""}), seed RSA ${fmt(s.total, 0)} us (${fmt(s.total / p.total, 2)}x)`;
  });
  return [`CPU per call, both pods (all Ray processes and the driver, /proc; medians of the runs): ${cells.join("; ")}.`, ""];
}

/** Ratio of medians next to the median and spread of the per-run paired ratios. */
export function pairedTable(samples: Record<string, Record<string, number[] | undefined>>, measures: Array<{ measure: string; unit: string }>): string[] {
  const cell = (config: string, measure: string, unit: string) => {
    const c = samples[config]?.[measure] ?? [];
    const p = samples.plaintext?.[measure] ?? [];
    const tp = unit === "MiB/s";
    const r = pairedRatios(c, p, tp);
    if (!r.length) return "n/a | n/a | n/a";
    const ofMedians = tp ? median(p) / median(c) : median(c) / median(p);
    return `${fmt(ofMedians, 2)} | ${fmt(median(r), 2)} | ${fmt(Math.min(...r), 2)}-${fmt(Math.max(...r), 2)}`;
  };
  return [
    "#### Ratios run by run (x plaintext time; each run's configuration against plaintext from the same run)",
    "",
    "| measure | mTLS: ratio of medians | mTLS: median of per-run ratios | mTLS: min-max | seed RSA: ratio of medians | seed RSA: median of per-run ratios | seed RSA: min-max |",
    "|---|---:|---:|---:|---:|---:|---:|",
    ...measures.filter((m) => m.measure !== "peak-rss").map((m) => `| \`${m.measure}\` | ${cell("mtls", m.measure, m.unit)} | ${cell("seedRsa", m.measure, m.unit)} |`),
    "",
  ];
}

/** perf's samples per group, plaintext vs mTLS (and any other profiled configuration), as CPU ms, and the extra. */
export function profileTable(i: CpuReportInput): string[] {
  const p = i.profiles.plaintext;
  const t = i.profiles.mtls;
  if (!p || !t) return [`Profile: ${i.profileNote ?? "not taken"}.`, ""];
  const ms = (samples: number) => (samples / PERF_HZ) * 1000;
  const signed = (v: number) => `${v >= 0 ? "+" : ""}${fmt(v, 0)}`;
  const others = i.configs.filter((c) => c.name !== "plaintext" && c.name !== "mtls" && i.profiles[c.name]);
  const extra = ms(t.groups.total) - ms(p.groups.total);
  const line = (label: string, pick: (x: RayProfile) => number) => {
    const d = ms(pick(t)) - ms(pick(p));
    const more = others.map((c) => `${fmt(ms(pick(i.profiles[c.name]!)), 0)} | ${signed(ms(pick(i.profiles[c.name]!)) - ms(pick(p)))}`);
    return `| ${label} | ${fmt(ms(pick(p)), 0)} | ${fmt(ms(pick(t)), 0)} | ${signed(d)} | ${extra > 0 ? `${fmt((d / extra) * 100, 0)}%` : "n/a"} |${more.map((m) => ` ${m} |`).join("")}`;
  };
  const top = extraSymbols(t.rows, p.rows, 8).map((r) => `${r.sym.replace(/^\[[.k]\]\s*/, "").slice(0, 70)} (${r.dso}; ${profileGroup(r.dso, r.sym)}) +${fmt(ms(r.samples), 0)} ms`);
  const walls = [p, t, ...others.map((c) => i.profiles[c.name]!)].map((x) => fmt(x.wall, 2)).join(", ");
  const cpus = [p, t, ...others.map((c) => i.profiles[c.name]!)].map((x) => `${fmt(sum(x.cpu), 2)} CPU s and ${fmt(x.faults / 1000, 0)}k minor page faults`).join(", ");
  return [
    `#### Profile: one more ${p.size.replace("profile-", "").replace("MiB", " MiB")} transfer per configuration, run 1, perf record at ${PERF_HZ} Hz on every process of both pods (CPU ms = samples / ${PERF_HZ} Hz)`,
    "",
    `| what the CPU did | plaintext, CPU ms | mTLS, CPU ms | mTLS extra, ms | share of the extra |${others.map((c) => ` ${c.what}, CPU ms | same, extra over plaintext |`).join("")}`,
    `|---|---:|---:|---:|---:|${others.map(() => "---:|---:|").join("")}`,
    ...PROFILE_GROUPS.map((g) => line(g, (x) => x.groups[g])),
    line("all", (x) => x.groups.total).replace(/\| [^|]+% \|/, "| 100% |"),
    "",
    `Profiled transfers (plaintext, mTLS${others.map((c) => `, ${c.what}`).join("")}) took ${walls} s with perf attached; /proc counted ${cpus}. Symbols with the most extra CPU under mTLS: ${top.join("; ")}.`,
    "",
  ];
}
