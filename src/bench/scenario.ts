/**
 * What a benchmark scenario is: its options, its result, and its signature. A file of its own so
 * the registry (which imports every scenario) and the scenarios (which need these types) do not
 * import each other (issue 12 section 3).
 */
export interface BenchOptions {
  /** Repetitions for medians. Default is chosen by each scenario (>= 5). */
  runs?: number;
  /** Where reports and charts go. Default is `bench-results/`. */
  outDir: string;
  log: (line: string) => void;
}

export interface BenchResult {
  name: string;
  /** Markdown, ready for the README. */
  markdown: string;
  /** Each target: what, the measured value, and whether it was met. */
  targets: Array<{ what: string; value: string; met: boolean }>;
  /** Headline figures for machines: the median of a named measure, in `unit`. */
  measures?: Array<{ measure: string; unit: string; value: number }>;
  data: unknown;
}

export type BenchScenario = (options: BenchOptions) => Promise<BenchResult>;
