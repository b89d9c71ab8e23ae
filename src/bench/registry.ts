/**
 * The benchmarks behind `npm run bench -- <name>`: one module per scenario, loaded only when run.
 * A scenario returns a markdown report; targets are judged against a baseline measured in the
 * same run, never against fixed timings in unit tests. A new scenario: a module whose default export
 * is a `BenchScenario` (src/bench/scenario.ts; import the types from there, not from here), and one
 * line below.
 */
import type { BenchScenario } from "./scenario.js";

export type { BenchMeasure, BenchOptions, BenchResult, BenchScenario } from "./scenario.js";

export const scenarios: Record<string, () => Promise<BenchScenario>> = {
  "pod-cert": async () => (await import("./pod-cert.js")).default,
  "head-load": async () => (await import("./head-load.js")).default,
  grpc: async () => (await import("./grpc.js")).default,
  "health-check": async () => (await import("./health-check.js")).default,
  signer: async () => (await import("./signer.js")).default,
  pki: async () => (await import("./pki.js")).default,
  ray: async () => (await import("./ray.js")).default,
};
