/**
 * bench ray's CPU sections: medians of /proc's CPU per pod and process, saturation, CPU per call,
 * per-run paired ratios, and perf's groups as CPU ms with the extra under mTLS.
 */
import { describe, expect, it } from "vitest";
import { callCpuLines, cpuMedians, cpuTable, pairedRatios, pairedTable, profileTable, type CpuReportInput, type RayProfile } from "../../src/bench/ray-cpu-report.js";
import { groupProfile, type PerfRow } from "../../src/bench/perf-profile.js";

const run = (wall: number, headRaylet: number, workerRaylet: number, driver: number) => ({ wall, cpu: { "head raylet": headRaylet, "worker raylet": workerRaylet, "worker driver": driver, "head gcs_server": 0.05 }, faults: Math.round(wall * 51200) });

function input(over: Partial<CpuReportInput> = {}): CpuReportInput {
  return {
    cpu: {
      plaintext: { "object-256MiB": [run(2.0, 1.5, 1.9, 0.1), run(2.2, 1.6, 2.0, 0.1), run(2.1, 1.4, 2.1, 0.2)], "tiny-tasks-1000": [run(1.3, 0.6, 0.3, 0.5)], "actor-calls-1000": [run(4, 1.0, 0.5, 2.5)] },
      mtls: { "object-256MiB": [run(3.0, 2.5, 2.9, 0.1), run(2.9, 2.6, 2.8, 0.1), run(3.1, 2.4, 3.0, 0.1)], "tiny-tasks-1000": [run(1.4, 0.7, 0.3, 0.6)], "actor-calls-1000": [run(4.2, 1.1, 0.6, 2.6)] },
    },
    profiles: {},
    configs: [{ name: "plaintext", what: "plaintext" }, { name: "mtls", what: "raytls mTLS" }, { name: "seedRsa", what: "seed RSA" }],
    big: "object-256MiB",
    mib: 256,
    cpus: 2,
    calls: 1000,
    callBlocks: 3,
    ...over,
  };
}

describe("bench ray: CPU of a transfer", () => {
  it("medians per column: raylets by pod, workers with the driver, the rest", () => {
    const m = cpuMedians(input().cpu.mtls!["object-256MiB"]!);
    expect(m.wall).toBeCloseTo(3.0);
    expect(m.total).toBeCloseTo(2.5 + 2.9 + 0.1 + 0.05);
    expect(m.columns.map((v) => Number(v.toFixed(2)))).toEqual([2.5, 2.9, 0.1, 0.05]);
  });

  it("the table gives CPU / wall against the cores and CPU per GiB; configurations without data are left out", () => {
    const md = cpuTable(input()).join("\n");
    // plaintext: wall 2.1; CPU per run 3.55, 3.75, 3.75: median 3.75, /2.1 = 1.79, x4 per GiB = 15.0.
    // Faults: 2.1 * 51200 / 256 MiB = 420 per MiB.
    expect(md).toContain("| plaintext | 2.10 | 3.75 | 1.79 | 15.0 | 420 | 1.50 | 2.00 | 0.10 | 0.05 |");
    expect(md).toContain("| raytls mTLS | 3.00 | 5.55 | 1.85 | 22.2 |");
    expect(md).toContain("2 cores: 2.0 = saturated");
    expect(md).not.toContain("seed RSA |");
    expect(cpuTable(input({ cpu: {} }))).toEqual([]);
  });

  it("CPU per call, per configuration and against plaintext", () => {
    const line = callCpuLines(input()).join("");
    // tiny tasks: 1.45 s / 1,000 = 1450 us vs 1650 us; actor: 4.05 s / 3,000 = 1350 us vs 4.35 / 3,000 = 1450 us.
    // Where the extra went: head raylet 0.6 -> 0.7 s and the driver 0.5 -> 0.6 s over 1,000 tasks.
    expect(line).toContain("tiny task: plaintext 1450 us, mTLS 1650 us (1.14x; most of the extra: head raylet +100, worker driver +100 us), seed RSA n/a us");
    expect(line).toContain("actor round trip: plaintext 1350 us, mTLS 1450 us (1.07x;");
  });
});

describe("bench ray: paired ratios", () => {
  it("pairs runs by index, for times and throughputs", () => {
    expect(pairedRatios([110, 150, 100], [100, 100, 100], false)).toEqual([1.1, 1.5, 1]);
    expect(pairedRatios([50, 100], [100, 100, 100], true)).toEqual([2, 1]);
  });

  it("the table puts the ratio of medians beside the median and spread of per-run ratios", () => {
    const samples = { plaintext: { "actor-calls-1000": [1000, 1400, 1300, 1350, 1200] }, mtls: { "actor-calls-1000": [1500, 1380, 1350, 1300, 1250] }, seedRsa: {} };
    const md = pairedTable(samples, [{ measure: "actor-calls-1000", unit: "ms" }, { measure: "peak-rss", unit: "MiB" }]).join("\n");
    // medians 1350 / 1300 = 1.04; per run 1.50, 0.99, 1.04, 0.96, 1.04 -> median 1.04, 0.96-1.50.
    expect(md).toContain("| `actor-calls-1000` | 1.04 | 1.04 | 0.96-1.50 | n/a | n/a | n/a |");
    expect(md).not.toContain("peak-rss");
  });
});

describe("bench ray: the profile table", () => {
  const rows = (gcm: number, memmove: number): PerfRow[] => [
    { samples: gcm, dso: "raylet", sym: "[.] aesni_gcm_encrypt" },
    { samples: memmove, dso: "libc.so.6", sym: "[.] __memmove_avx512_unaligned_erms" },
    { samples: 999, dso: "[kernel.kallsyms]", sym: "[k] tcp_recvmsg" },
  ];
  const profile = (r: PerfRow[]): RayProfile => ({ size: "profile-256MiB", groups: groupProfile(r), rows: r, top: r, wall: 2, cpu: { "head raylet": 1 }, faults: 1000 });

  it("CPU ms per group, the extra under mTLS and its share; the symbols with the most extra", () => {
    const md = profileTable(input({ profiles: { plaintext: profile(rows(0, 999)), mtls: profile(rows(999 / 2, 999 * 1.5)) } })).join("\n");
    expect(md).toContain("| cipher (AES-GCM) | 0 | 500 | +500 | 50% |");
    expect(md).toContain("| memcpy, libc | 1000 | 1500 | +500 | 50% |");
    expect(md).toContain("| kernel TCP/IP and socket copies | 1000 | 1000 | +0 | 0% |");
    expect(md).toContain("| all | 2000 | 3000 | +1000 | 100% |");
    expect(md).toContain("aesni_gcm_encrypt (raylet; cipher (AES-GCM)) +500 ms");
  });

  it("says why when there is no profile", () => {
    expect(profileTable(input({ profileNote: "not profiled: /usr/bin/perf not found (apt-get install linux-perf)" })).join("")).toContain("Profile: not profiled: /usr/bin/perf not found");
  });
});
