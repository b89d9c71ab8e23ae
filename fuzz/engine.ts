/**
 * Runs one fuzz target for a time budget with fast-check as the engine: inputs are the target's
 * seeds changed by a few mutations (bit flips, byte sets, truncation, insertion, deletion, length
 * bytes, splices from another seed), plus some purely random bytes. A finding is any exception
 * other than a RaytlsError, a call over 1 s, or (sampled) an openssl disagreement on an accepted input.
 */
import fc from "fast-check";
import { RaytlsError } from "../src/errors.js";
import type { FuzzTarget } from "./targets.js";

export interface FuzzFinding {
  why: string;
  hex: string;
}

export interface FuzzReport {
  name: string;
  inputs: number;
  accepted: number;
  opensslCalls: number;
  ms: number;
  findings: FuzzFinding[];
}

/** A call slower than this is a hang (issue 13). */
export const HANG_MS = 1000;
const MAX_FINDINGS = 5;

// Bytes that, written over a DER length or a varint, make the classic malformed encodings:
// zero, short-form maximum, non-minimal long forms, and long forms far beyond the input.
const LENGTH_BYTES = [0x00, 0x01, 0x7f, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x88, 0xff];

type Mutation =
  | { k: "flip"; at: number; bit: number }
  | { k: "set"; at: number; value: number }
  | { k: "truncate"; at: number }
  | { k: "insert"; at: number; data: Uint8Array }
  | { k: "delete"; at: number; n: number }
  | { k: "splice"; at: number; from: number; seed: number; n: number };

function mutationArb(): fc.Arbitrary<Mutation> {
  const at = fc.nat();
  return fc.oneof(
    fc.record({ k: fc.constant("flip" as const), at, bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ k: fc.constant("set" as const), at, value: fc.oneof(fc.constantFrom(...LENGTH_BYTES), fc.integer({ min: 0, max: 255 })) }),
    fc.record({ k: fc.constant("truncate" as const), at }),
    fc.record({ k: fc.constant("insert" as const), at, data: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
    fc.record({ k: fc.constant("delete" as const), at, n: fc.integer({ min: 1, max: 16 }) }),
    fc.record({ k: fc.constant("splice" as const), at, from: fc.nat(), seed: fc.nat(), n: fc.integer({ min: 1, max: 64 }) }),
  );
}

function mutate(seed: Uint8Array, seeds: Uint8Array[], ms: Mutation[]): Uint8Array {
  let b = seed;
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % (b.length + 1);
    if (m.k === "flip" && b.length) b = Uint8Array.from(b, (v, i) => (i === at % b.length ? v ^ (1 << m.bit) : v));
    else if (m.k === "set" && b.length) b = Uint8Array.from(b, (v, i) => (i === at % b.length ? m.value : v));
    else if (m.k === "truncate") b = b.subarray(0, at);
    else if (m.k === "insert") b = concat(b.subarray(0, at), m.data, b.subarray(at));
    else if (m.k === "delete") b = concat(b.subarray(0, at), b.subarray(at + m.n));
    else if (m.k === "splice") {
      const other = seeds[m.seed % seeds.length]!;
      const from = other.length ? m.from % other.length : 0;
      b = concat(b.subarray(0, at), other.subarray(from, from + m.n), b.subarray(at));
    }
  }
  return b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

export function inputArb(seeds: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const mutated = fc
    .tuple(fc.integer({ min: 0, max: seeds.length - 1 }), fc.array(mutationArb(), { minLength: 1, maxLength: 6 }))
    .map(([i, ms]) => mutate(seeds[i]!, seeds, ms));
  return fc.oneof({ arbitrary: mutated, weight: 9 }, { arbitrary: fc.uint8Array({ maxLength: 512 }), weight: 1 });
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** Fuzzes `t` for about `ms` milliseconds; openssl is asked about at most `maxOpenssl` accepted inputs. */
export async function fuzzTarget(t: FuzzTarget, ms: number, o: { maxOpenssl?: number; seed?: number } = {}): Promise<FuzzReport> {
  const maxOpenssl = o.maxOpenssl ?? 200;
  const report: FuzzReport = { name: t.name, inputs: 0, accepted: 0, opensslCalls: 0, ms: 0, findings: [] };
  const started = Date.now();
  // Seeds first: a seed the parser refuses, or openssl refuses, is a finding too.
  const check = async (b: Uint8Array, forceDifferential: boolean): Promise<void> => {
    report.inputs++;
    const t0 = performance.now();
    let accepted = false;
    try {
      await t.run(b);
      accepted = true;
    } catch (err) {
      if (!(err instanceof RaytlsError)) {
        report.findings.push({ why: `raw exception: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`, hex: hex(b) });
        return;
      }
    }
    const took = performance.now() - t0;
    if (took > HANG_MS) report.findings.push({ why: `took ${Math.round(took)} ms (over ${HANG_MS} ms)`, hex: hex(b) });
    if (!accepted) return;
    report.accepted++;
    // Sample the differential: every accepted input while the budget lasts, seeds always.
    if (t.differential && (forceDifferential || report.opensslCalls < maxOpenssl)) {
      report.opensslCalls++;
      const why = t.differential(b);
      if (why) report.findings.push({ why: `raytls accepts, ${why}`, hex: hex(b) });
    }
  };
  for (const s of t.seeds) await check(s, true);
  const details = await fc.check(
    fc.asyncProperty(inputArb(t.seeds), async (b) => {
      await check(b, false);
      // Findings are collected, not thrown; a handful is enough to stop and report.
      return report.findings.length < MAX_FINDINGS;
    }),
    {
      numRuns: Number.MAX_SAFE_INTEGER,
      interruptAfterTimeLimit: Math.max(0, ms - (Date.now() - started)),
      markInterruptAsFailure: false,
      // No shrinking: failing inputs are reported as they were found.
      endOnFailure: true,
      ...(o.seed === undefined ? {} : { seed: o.seed }),
    },
  );
  if (details.failed && report.findings.length === 0) {
    report.findings.push({ why: `engine: ${String(details.errorInstance)}`, hex: "" });
  }
  report.ms = Date.now() - started;
  return report;
}

/** One line per target, and the failing inputs as hex. */
export function formatReport(r: FuzzReport): string {
  const head = `${r.name}: ${r.inputs} inputs in ${(r.ms / 1000).toFixed(1)} s, ${r.accepted} accepted, ${r.opensslCalls} openssl checks, ${r.findings.length} findings`;
  return [head, ...r.findings.map((f) => `  FINDING ${f.why}\n    input (hex): ${f.hex}`)].join("\n");
}
