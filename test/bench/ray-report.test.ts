/**
 * The pure half of `bench ray`: the driver's JSON line is read strictly, medians and the
 * `measures` entries have issue 10's names and units, and `openssl speed -mr` is read as openssl
 * prints it (the text below is this project's machine's own output, and a live run checks the
 * parser against the openssl installed here).
 */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { RaytlsError } from "../../src/errors.js";
import { parseOpensslSpeed } from "../../src/bench/openssl-speed.js";
import { addSample, chunkSentence, explanations, handshakeMicros, parseDriverLine, rayMarkdown, rayMeasures, raySvg, timeFactor, type RaySamples } from "../../src/bench/ray-report.js";

describe("bench ray: the driver's line", () => {
  it("takes the last JSON line, known measures with finite non-negative numbers", () => {
    const out = 'some Ray log line\n{"tiny-tasks-1000": 1370.5}\n{"object-1MiB": 25.1, "actor-calls-1000": 900}\n';
    expect(parseDriverLine(out, "t")).toEqual({ "object-1MiB": 25.1, "actor-calls-1000": 900 });
  });

  it.each([
    ["no line", "Traceback (most recent call last):\n"],
    ["not JSON", "{tiny: 1}\n"],
    ["an array", "[1]\n"],
    ["an unknown measure", '{"tiny-tasks": 1}\n'],
    ["a string value", '{"object-1MiB": "25"}\n'],
    ["a negative value", '{"object-1MiB": -1}\n'],
    ["null (NaN in Python)", '{"object-1MiB": null}\n'],
  ])("refuses %s with a RaytlsError naming where", (_what, text) => {
    let err: unknown;
    try {
      parseDriverLine(text, "mtls run 2");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RaytlsError);
    expect((err as RaytlsError).message).toContain("mtls run 2");
  });
});

describe("bench ray: medians and measures", () => {
  const samples: RaySamples = {};
  for (const [config, tiny, obj] of [["plaintext", [1300, 1400, 1350], [100, 90, 110]], ["mtls", [1380, 1420, 1400], [60, 70, 65]], ["seedRsa", [1500, 1450, 1400], [50, 55, 60]]] as const) {
    for (let i = 0; i < 3; i++) addSample(samples, config, { "tiny-tasks-1000": tiny[i]!, "object-256MiB": obj[i]! });
  }

  it("gives every measure of issue 10, {measure, unit, plaintext, mtls, seedRsa}, medians per configuration", () => {
    const m = rayMeasures(samples);
    expect(m.map((x) => `${x.measure} ${x.unit}`)).toEqual([
      "cluster-start ms", "tiny-tasks-1000 ms", "actor-calls-1000 ms", "driver-connect ms",
      "object-1MiB MiB/s", "object-16MiB MiB/s", "object-64MiB MiB/s", "object-256MiB MiB/s", "peak-rss MiB",
    ]);
    expect(m.find((x) => x.measure === "tiny-tasks-1000")).toEqual({ measure: "tiny-tasks-1000", unit: "ms", plaintext: 1350, mtls: 1400, seedRsa: 1450 });
    expect(m.find((x) => x.measure === "object-256MiB")).toMatchObject({ plaintext: 100, mtls: 65, seedRsa: 55 });
    // Not measured: NaN, which JSON writes as null.
    expect(JSON.parse(JSON.stringify(m.find((x) => x.measure === "cluster-start")))).toMatchObject({ plaintext: null });
  });

  it("time factor: above 1 is slower for times and throughputs alike", () => {
    expect(timeFactor("ms", 1400, 1000)).toBeCloseTo(1.4);
    expect(timeFactor("MiB/s", 50, 100)).toBeCloseTo(2);
  });

  it("the report and chart carry the rows, the knob table and the explanations", () => {
    const speed = { aes128gcm: 4000, aes256gcm: 3800, ecdsaP256: { sign: 50000, verify: 20000 }, rsa2048: { sign: 4000, verify: 60000 }, version: "OpenSSL 3" };
    addSample(samples, "knob-chunk16", { "object-256MiB": 70 });
    const input = { runs: 3, samples, knobs: [{ name: "knob-chunk16", what: "chunk 16 MiB", setting: "X=1", base: "mtls" as const, runs: 1 }], speed, probes: { mtls: "TLSv1.3" }, cpus: 2, rayVersion: "2.58.0", quick: false, minutes: 1, connections: { mtls: 12 }, cpu: {}, profiles: {}, profileNote: "not profiled (--no-profile)", calls: 1000, callBlocks: 3 };
    const md = rayMarkdown(input);
    expect(md).toContain("| 1,000 tiny tasks on the other node | `tiny-tasks-1000` | 1350 ms | 1400 ms | 1450 ms | 1.04 | 1.07 |");
    expect(md).toContain("| chunk 16 MiB |");
    expect(md).toContain("70 (1.08)");
    expect(md).toContain("n/a established TCP connections in plaintext and 12 with mTLS");
    expect(md).toContain("Profile: not profiled (--no-profile).");
    // No chunk knobs in this input: no sentence about them.
    expect(md).not.toContain("With 2 MiB chunks");
    // Paired ratios: tiny tasks per run 1380/1300, 1420/1400, 1400/1350.
    expect(md).toContain("| `tiny-tasks-1000` | 1.04 | 1.04 | 1.01-1.06 |");
    const svg = raySvg(input);
    expect(svg).toContain("<svg");
    // Three series: plaintext, mTLS and the seed's RSA certificates, each with its ratio.
    expect(svg).toContain("seed RSA</text>");
    expect(svg).toContain("RSA/plain 0.55");
    // ECDSA: 1/50000 + 2/20000 s = 120 us; RSA-2048: 1/4000 + 2/60000 s = 283 us.
    expect(handshakeMicros(speed.ecdsaP256)).toBeCloseTo(120);
    expect(handshakeMicros(speed.rsa2048)).toBeCloseTo(283.3, 0);
  });
});

describe("bench ray: what 2 MiB chunks did to the gap", () => {
  const base = { runs: 3, knobs: [], speed: { aes128gcm: 4000, aes256gcm: 3800, ecdsaP256: { sign: 1, verify: 1 }, rsa2048: { sign: 1, verify: 1 }, version: "" }, probes: {}, cpus: 2, rayVersion: "2.58.0", quick: false, minutes: 1, connections: {}, cpu: {}, profiles: {}, calls: 1000, callBlocks: 3 };
  const withChunks = (mtls: number, plain: number, k: number, kp: number) => {
    const samples: RaySamples = {};
    for (const [config, v] of [["mtls", mtls], ["plaintext", plain], ["knob-chunk2", k], ["knob-plain-chunk2", kp]] as const) addSample(samples, config, { "object-256MiB": v });
    return chunkSentence({ ...base, samples }, "object-256MiB", 256);
  };

  it("both faster by the same factor: the cost is lower, the ratio is not", () => {
    expect(withChunks(80, 120, 120, 190)).toContain("mTLS moved 256 MiB 1.50x as fast as with Ray's default and plaintext 1.58x; mTLS took 1.50x plaintext's time at Ray's defaults and 1.58x with both at 2 MiB: the setting lowers the cost of both, not the ratio");
  });

  it("mTLS helped clearly more: the gap narrows", () => {
    expect(withChunks(80, 120, 115, 125)).toContain("the setting narrows the gap");
  });
});

describe("bench ray: the objects explanation", () => {
  it("says whether the transfer was CPU-bound, CPU per GiB, extra fresh copies from page faults, and the first-touch cost", () => {
    const samples: RaySamples = {};
    addSample(samples, "plaintext", { "object-256MiB": 128 });
    addSample(samples, "mtls", { "object-256MiB": 64 });
    const at = (wall: number, cpu: number, faults: number) => [{ wall, cpu: { "head raylet": cpu }, faults }];
    const input = { runs: 1, samples, knobs: [], speed: { aes128gcm: 4096, aes256gcm: 3800, ecdsaP256: { sign: 1, verify: 1 }, rsa2048: { sign: 1, verify: 1 }, version: "" }, probes: {}, cpus: 2, rayVersion: "2.58.0", quick: false, minutes: 1, connections: {}, profiles: {}, calls: 1000, callBlocks: 3, freshCopy: { fresh: 400, warm: 10000 } };
    const bound = explanations({ ...input, cpu: { plaintext: { "object-256MiB": at(2, 3.8, 256 * 600) }, mtls: { "object-256MiB": at(4, 7.6, 256 * 856) } } }).join("\n");
    expect(bound).toContain("Moving 256 MiB took 2.00 s in plaintext and 4.00 s with mTLS. The transfer is CPU-bound: the two pods' processes kept 1.90 (plaintext) and 1.90 (mTLS) of the 2 cores busy, so every extra CPU second is wall time; mTLS spent 30.4 CPU s per GiB moved against 15.2.");
    // 256 MiB / 4096 MiB/s = 0.0625 s per side: 3% of the 2 s gap.
    expect(bound).toContain("accounts for 0.063 s on each side (3% of the wall-time gap)");
    expect(bound).toContain("600 minor page faults per MiB moved in plaintext and 856 with mTLS");
    expect(bound).toContain("about 1.0 more fresh copies of the object's bytes");
    expect(bound).toContain("fresh memory ran at 400 MiB/s, into memory already touched at 10000 MiB/s");
    const idle = explanations({ ...input, cpu: { plaintext: { "object-256MiB": at(2, 1, 1) }, mtls: { "object-256MiB": at(4, 7.6, 1) } } }).join("\n");
    expect(idle).toContain("The transfer is not CPU-bound here: the two pods' processes kept 0.50 (plaintext) and 1.90 (mTLS) of the 2 cores busy;");
  });
});

describe("bench ray: openssl speed -mr", () => {
  it("reads ciphers in MiB/s and signatures per second", () => {
    const text = "+DT:AES-128-GCM:1:16384\n+R:181068:AES-128-GCM:1.000000\n+H:16384\n+F:25:AES-128-GCM:2966618112.00\n+F:25:AES-256-GCM:2097152000.00\n+F2:2:2048:3365.000000:52271.000000\n+F4:3:256:42084.375000:16745.000000\ngarbage:::\n";
    const s = parseOpensslSpeed(text);
    expect(s.aes128gcm).toBeCloseTo(2829.2, 0);
    expect(s.aes256gcm).toBeCloseTo(2000, 0);
    expect(s.rsa2048).toEqual({ sign: 3365, verify: 52271 });
    expect(s.ecdsaP256).toEqual({ sign: 42084.375, verify: 16745 });
    expect(parseOpensslSpeed("")).toMatchObject({ aes128gcm: NaN });
  });

  it("reads this machine's openssl", () => {
    const out = execFileSync("openssl", ["speed", "-mr", "-seconds", "1", "ecdsap256"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    expect(parseOpensslSpeed(out).ecdsaP256.sign).toBeGreaterThan(0);
  }, 30_000);
});
