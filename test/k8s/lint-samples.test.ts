/** `raytls lint` on KubeRay's own samples (read from ../shared/reference) and on raytls's own output. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadCrd } from "../../src/k8s/crd-schema.js";
import { lintFiles } from "../../src/k8s/lint/lint.js";
import { CRD, CRD_FILE, crdText, SAMPLES } from "./k8s-fixture.js";
import { runCli } from "../helpers/cli.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { needsShared } from "../helpers/shared-reference.js";

const tmp = useTempDir("raytls-k8s-");

needsShared(SAMPLES, CRD).describe("raytls lint on KubeRay's samples and on raytls's own output", () => {
  const samples = SAMPLES.skip ?? CRD.skip ? [] : SAMPLES.entries().filter((f) => f.endsWith(".yaml"));
  it("finds the samples", () => {
    expect(samples.length).toBeGreaterThanOrEqual(3);
  });
  for (const s of samples) {
    it(`${s}: no error; the TLS samples warn that the CA key reaches the Ray containers`, () => {
      const r = lintFiles([{ file: s, text: readFileSync(path.join(SAMPLES.path, s), "utf8") }], { crd: loadCrd(crdText(), CRD_FILE) });
      expect(r.errors, JSON.stringify(r.findings, null, 1)).toBe(0);
      expect(r.clusters).toBe(1);
      const caKey = r.findings.filter((f) => f.rule === "ca-key-exposed");
      if (/\.tls\./.test(s)) {
        expect(caKey.length).toBeGreaterThan(0);
        expect(caKey.map((f) => f.path)).toContain("spec.headGroupSpec.template.spec.containers[0].volumeMounts[1]");
      } else {
        expect(caKey).toEqual([]);
      }
    });
  }

  it("raytls manifest (seed, two groups, autoscaler): no error and no CA-key warning (CLI, --json)", async () => {
    const cwd = tmp.fresh();
    const m = await runCli(["manifest", "--name", "rc", "--worker-group", "a:1:1:2", "--worker-group", "b:0:0:3", "--autoscaler", "--out", "k8s"], { cwd });
    expect(m.code, m.err).toBe(0);
    const files = ["secret-rc-ca-tls.yaml", "configmap-rc-tls-scripts.yaml", "raycluster-rc.yaml"].map((f) => path.join("k8s", f));
    const r = await runCli(["lint", ...files, "--crd", CRD_FILE, "--json"], { cwd });
    expect(r.code, r.out).toBe(0);
    const json = JSON.parse(r.out) as { findings: Array<{ rule: string; severity: string; path: string; message: string; hint: string }>; errors: number; warnings: number };
    expect(json.errors).toBe(0);
    expect(json.warnings).toBe(0);
    expect(json.findings.map((f) => f.rule)).toEqual(["head-san-missing-short-name"]);
    for (const f of json.findings) expect(Object.keys(f)).toEqual(expect.arrayContaining(["rule", "severity", "path", "message", "hint"]));
  });
});

describe("raytls lint on kuberay-mtls output", () => {
  it("raytls manifest --mode kuberay-mtls --autoscaler lints clean", async () => {
    const cwd = tmp.fresh();
    const m = await runCli(["manifest", "--name", "rc", "--mode", "kuberay-mtls", "--autoscaler", "--out", "k8s"], { cwd });
    expect(m.code, m.err).toBe(0);
    const r = await runCli(["lint", path.join("k8s", "raycluster-rc.yaml"), "--json"], { cwd });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ findings: [], errors: 0, warnings: 0, clusters: 1 });
  });
});
