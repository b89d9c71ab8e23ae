/**
 * The fuzz targets of fuzz/ for a bounded short time each (issue 13), as part of `npm test`:
 * a raw exception, a call over 1 s or an openssl disagreement on an accepted input fails it.
 * `npm run fuzz` runs the same targets longer.
 */
import { describe, expect, it } from "vitest";
import { formatReport, fuzzTarget } from "../../fuzz/engine.js";
import { makeTargets } from "../../fuzz/targets.js";

const SECONDS = 4;
const targets = await makeTargets();

describe("fuzz (short)", () => {
  it("has a target for every parser that faces untrusted bytes", () => {
    expect(targets.map((t) => t.name).sort()).toEqual(["certificate", "certificate-pem", "csr", "csr-pem", "der-reader", "pem", "proto-codec", "sign-request"]);
  });
  for (const t of targets) {
    it(`${t.name}: no finding in ${SECONDS} s`, async () => {
      // Fewer openssl calls than `npm run fuzz`: each is a process start (~10 ms).
      const report = await fuzzTarget(t, SECONDS * 1000, { maxOpenssl: 50 });
      expect(report.inputs).toBeGreaterThan(t.seeds.length);
      expect(report.findings, formatReport(report)).toEqual([]);
    });
  }
});
