/**
 * The `pki` bench scenario is registered and reports the peer-check median as a `measures`
 * entry (issue 12). Timing targets are judged by `npm run bench -- pki`, never here.
 */
import { describe, expect, it } from "vitest";
import { scenarios } from "../../src/bench/registry.js";

describe("bench pki", () => {
  it("is registered and reports {measure: peer-check, unit: us, value}", async () => {
    expect(Object.keys(scenarios)).toContain("pki");
    const run = await scenarios.pki!();
    const r = await run({ runs: 5, outDir: "/nonexistent-not-written", log: () => {} });
    const m = r.measures?.find((x) => x.measure === "peer-check");
    expect(m).toMatchObject({ measure: "peer-check", unit: "us" });
    expect(m!.value).toBeGreaterThan(0);
    expect(r.targets[0]!.what).toBe("peer check <= 20 us");
    expect(r.markdown).toContain("Per-handshake peer check");
  }, 120_000);
});
