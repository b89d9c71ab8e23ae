/**
 * `npm run fuzz`: every target for FUZZ_SECONDS (default 60) each. Prints inputs tried and
 * findings per target; a finding fails the run (exit 1) with the input as hex.
 */
import { describe, expect, it } from "vitest";
import { formatReport, fuzzTarget } from "./engine.js";
import { makeTargets } from "./targets.js";

const seconds = Number(process.env.FUZZ_SECONDS ?? 60);
if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`FUZZ_SECONDS must be a positive number, not "${process.env.FUZZ_SECONDS}"`);
const targets = await makeTargets();

describe("fuzz", () => {
  for (const t of targets) {
    it(t.name, { timeout: seconds * 1000 + 120_000 }, async () => {
      const report = await fuzzTarget(t, seconds * 1000);
      console.log(formatReport(report));
      expect(report.findings, formatReport(report)).toEqual([]);
    });
  }
});
