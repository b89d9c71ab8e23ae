/**
 * What a benchmark scenario is: its options, its result, and its signature. A file of its own so
 * the registry (which imports every scenario) and the scenarios (which need these types) do not
 * import each other (issue 12 section 3).
 */
import { RaytlsError } from "../errors.js";

/**
 * A process or peer a scenario started failed (a head that never came up, a signer that exited,
 * openssl refusing): the measurement could not be taken, exit 1. Not a bug in raytls, so not a bare Error.
 */
export function benchPeerError(message: string): RaytlsError {
  return new RaytlsError("bench-peer-failed", message, {
    kind: "check",
    hint: "the benchmark's own processes failed on this machine; the message carries their stderr",
  });
}
/** A measurement that did not do what it measures (wrong byte count, a check that should pass): no figure from it is valid. */
export function benchInvalidError(message: string): RaytlsError {
  return new RaytlsError("bench-invalid", message, {
    kind: "check",
    hint: "no figure of this run is valid; run it again, and report it as a raytls bug if it repeats",
  });
}

export interface BenchOptions {
  /** Repetitions for medians. Default is chosen by each scenario (>= 5). */
  runs?: number;
  /** Where reports and charts go. Default is `bench-results/`. */
  outDir: string;
  log: (line: string) => void;
  /** Smaller workloads and fewer runs, for tests of the harness (scenarios that have one). */
  quick?: boolean;
  /** `ray`: false skips the perf profile of one transfer (default: taken when perf is installed). */
  profile?: boolean;
}

/**
 * A headline figure for machines: the median of a named measure in `unit`, either one `value` or
 * one per compared setup (`ray`: plaintext, mtls, seedRsa; `health-check`: ray, raytls).
 */
export interface BenchMeasure {
  measure: string;
  unit: string;
  value?: number;
  plaintext?: number;
  mtls?: number;
  seedRsa?: number;
  ray?: number;
  raytls?: number;
}

export interface BenchResult {
  name: string;
  /** Markdown, ready for the README. */
  markdown: string;
  /** Each target: what, the measured value, and whether it was met. */
  targets: Array<{ what: string; value: string; met: boolean }>;
  /** Headline figures for machines. */
  measures?: BenchMeasure[];
  data: unknown;
}

export type BenchScenario = (options: BenchOptions) => Promise<BenchResult>;
