/**
 * The benchmarks behind `npm run bench -- <name>`: one module per scenario, loaded only when run.
 * A scenario returns a markdown report; targets are judged against a baseline measured in the
 * same run, never against fixed timings in unit tests.
 */
export interface BenchOptions {
  /** Repetitions for medians. Default is chosen by each scenario (>= 5). */
  runs?: number;
  /** Where reports and charts go. Default is `bench-results/`. */
  outDir: string;
  log: (line: string) => void;
  /** Smaller workloads and fewer runs, for tests of the harness (scenarios that have one). */
  quick?: boolean;
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

export const scenarios: Record<string, () => Promise<BenchScenario>> = {
  "pod-cert": async () => (await import("./pod-cert.js")).default,
  "head-load": async () => (await import("./head-load.js")).default,
  grpc: async () => (await import("./grpc.js")).default,
  "health-check": async () => (await import("./health-check.js")).default,
  signer: async () => (await import("./signer.js")).default,
  pki: async () => (await import("./pki.js")).default,
  ray: async () => (await import("./ray.js")).default,
};
