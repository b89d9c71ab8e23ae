import { defineConfig } from "vitest/config";

// `npm run fuzz` only: the targets run one after another in one process, each for FUZZ_SECONDS.
export default defineConfig({
  test: {
    include: ["fuzz/**/*.test.ts"],
    pool: "forks",
    maxWorkers: 1,
    fileParallelism: false,
    hookTimeout: 120_000,
  },
});
