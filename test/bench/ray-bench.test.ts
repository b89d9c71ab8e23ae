/**
 * `raytls bench ray --quick --runs 1`: the whole harness end to end on Ray 2.58 itself (two netns
 * pods, plaintext, raytls mTLS, the seed's RSA-2048 certificates; small objects only). Checks the
 * `--json` entry's shape and that every configuration really ran; the figures themselves are
 * judged by `npm run bench -- ray`, never here.
 *
 * Needs root (namespaces) and Ray 2.58 (`.venv-ray`, made by .ci/run, or RAYTLS_RAY=path/to/ray).
 * Skips with the reason otherwise; with CI=true it fails instead (test/helpers/real-ray.ts).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BIN } from "../helpers/cli.js";
import { RAY_BIN as RAY, realRaySkip } from "../helpers/real-ray.js";

if (!realRaySkip("bench ray on Ray 2.58")) {
  describe("bench ray on Ray 2.58 (quick mode, one run)", () => {
    it("measures every configuration and gives {measure, unit, plaintext, mtls, seedRsa}", () => {
      const out = mkdtempSync(path.join(tmpdir(), "raytls-bench-ray-test-"));
      try {
        const r = spawnSync(process.execPath, [BIN, "bench", "ray", "--quick", "--runs", "1", "--json", "--out", out], { encoding: "utf8", timeout: 170_000, env: { ...process.env, RAYTLS_RAY: RAY } });
        expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
        const [entry] = JSON.parse(r.stdout) as Array<{ name: string; measures: Array<Record<string, unknown>> }>;
        expect(entry!.name).toBe("ray");
        const by = new Map(entry!.measures.map((m) => [m.measure, m]));
        for (const [measure, unit] of [["cluster-start", "ms"], ["tiny-tasks-1000", "ms"], ["actor-calls-1000", "ms"], ["driver-connect", "ms"], ["object-1MiB", "MiB/s"], ["object-16MiB", "MiB/s"]]) {
          const m = by.get(measure);
          expect(m, measure).toMatchObject({ measure, unit });
          for (const config of ["plaintext", "mtls", "seedRsa"]) expect(m![config], `${measure} ${config}`).toBeGreaterThan(0);
        }
        // Quick mode moves small objects only: the big ones are reported as not measured.
        expect(by.get("object-256MiB")).toMatchObject({ unit: "MiB/s", plaintext: null, mtls: null, seedRsa: null });
        const md = readFileSync(path.join(out, "ray.md"), "utf8");
        // The TLS configurations really negotiated TLS with a Ray port (openssl s_client in the worker pod).
        expect(md).toMatch(/mtls: default TLSv1\.[23]/);
        expect(md).toMatch(/seedRsa: default TLSv1\.[23]/);
        // CPU of both pods from /proc at the driver's marks, and perf's profile (or why there is none).
        expect(md).toMatch(/\| raytls mTLS \| \d+\.\d\d \| \d+\.\d\d \| \d+\.\d\d \|/);
        expect(md).toMatch(/#### Profile: one more 16 MiB transfer|Profile: not profiled: /);
        expect(md).toContain("mTLS: median of per-run ratios");
        expect(readFileSync(path.join(out, "ray.svg"), "utf8")).toContain("<svg");
        expect(JSON.parse(readFileSync(path.join(out, "ray.json"), "utf8")).measures).toHaveLength(9);
        // Nothing left behind: the bench's namespaces are gone.
        expect(spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout).not.toContain("raytls-rbench-");
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    }, 180_000);
  });
}
