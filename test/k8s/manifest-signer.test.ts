/**
 * `raytls manifest --mode signer` (issue 5): the CA key only in the signer Deployment, each role's
 * token only in its own init containers, random tokens, CRD-valid and lint-clean output, and lint
 * counting the `pod-cert --signer` init containers as certificate generators.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { loadCrd } from "../../src/k8s/crd-schema.js";
import { lintFiles } from "../../src/k8s/lint/lint.js";
import { buildManifest, manifestYaml } from "../../src/k8s/manifest.js";
import { CRD_FILE, withCrd, crdText, opensslCa } from "./k8s-fixture.js";
import { runCli } from "../helpers/cli.js";
import { useTempDir } from "../helpers/temp-dir.js";

const tmp = useTempDir("raytls-k8s-");

type Obj = Record<string, any>;
const GROUPS = [
  { name: "cpu", replicas: 2, minReplicas: 1, maxReplicas: 10 },
  { name: "gpu", replicas: 0, minReplicas: 0, maxReplicas: 4 },
];

function signerManifest(networkPolicy = true) {
  const ca = opensslCa(tmp.fresh());
  return buildManifest({
    name: "rc", namespace: "ml", mode: "signer", clusterDomain: "cluster.local", workerGroups: GROUPS, autoscaler: true, headDns: ["rc-head-svc"],
    ca: { caCertPem: ca.certPem, caKeyPem: ca.keyPem },
    signer: { headToken: "H".repeat(43), workerToken: "W".repeat(43), image: "registry.example.com/raytls:0.1.0", networkPolicy },
  });
}
const find = (m: ReturnType<typeof signerManifest>, kind: string, name?: string): Obj => m.resources.find((r) => r.kind === kind && (!name || r.name === name))!.value as Obj;

describe("manifest --mode signer", () => {
  withCrd.it("the RayCluster validates against the CRD and lints clean (no error, no warning)", () => {
    const m = signerManifest();
    expect(loadCrd(crdText(), CRD_FILE).validate(find(m, "RayCluster"), "v1")).toEqual([]);
    const report = lintFiles([{ file: "signer.yaml", text: manifestYaml(m) }], { crd: loadCrd(crdText(), CRD_FILE) });
    expect(report.findings.filter((f) => f.severity !== "info")).toEqual([]);
    expect(report.clusters).toBe(1);
  });

  it("the CA key is in one Secret, mounted only by the signer Deployment; each token only into its role's init containers", () => {
    const m = signerManifest();
    const withKey = m.resources.filter((r) => JSON.stringify(r.value).includes('"ca.key"'));
    expect(withKey.map((r) => `${r.kind}/${r.name}`)).toEqual(["Secret/rc-signer-ca"]);
    const dep = find(m, "Deployment");
    const pod = dep.spec.template.spec;
    expect(pod.volumes.find((v: Obj) => v.name === "signer-ca").secret.secretName).toBe("rc-signer-ca");
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(pod.containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(pod.containers[0].resources.limits).toEqual({ cpu: "1", memory: "256Mi" });
    expect(pod.containers[0].command).toEqual(expect.arrayContaining(["--serving-dns", "rc-signer.ml.svc.cluster.local", "--head-fqdn", "rc-head-svc.ml.svc.cluster.local", "--head-dns", "rc-head-svc"]));
    const rc = find(m, "RayCluster");
    expect(JSON.stringify(rc)).not.toMatch(/rc-signer-ca\b/);
    const templates: Array<[string, Obj]> = [["head", rc.spec.headGroupSpec.template], ...rc.spec.workerGroupSpecs.map((g: Obj) => ["worker", g.template] as [string, Obj])];
    for (const [role, t] of templates) {
      const tokenVol = t.spec.volumes.find((v: Obj) => v.name === "signer-token");
      expect(tokenVol.secret.secretName).toBe(`rc-signer-${role}-token`);
      const init = t.spec.initContainers[0];
      expect(init.command.slice(0, 6)).toEqual(["raytls", "pod-cert", "--role", role, "--signer", "https://rc-signer.ml.svc.cluster.local:8443"]);
      expect(init.env).toEqual([{ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }]);
      expect(init.image).toBe("registry.example.com/raytls:0.1.0");
      // The Ray container sees only the ray-tls emptyDir: no token, no CA Secret.
      expect(t.spec.containers[0].volumeMounts).toEqual([{ name: "ray-tls", mountPath: "/etc/ray/tls", readOnly: true }]);
    }
    expect(find(m, "ConfigMap", "rc-ca").data).toEqual({ "ca.crt": expect.stringContaining("BEGIN CERTIFICATE") });
    expect(find(m, "NetworkPolicy").spec.ingress[0].from[0].podSelector.matchLabels).toEqual({ "ray.io/cluster": "rc" });
    expect(find(m, "Service").spec.ports[0].port).toBe(8443);
    expect(signerManifest(false).resources.some((r) => r.kind === "NetworkPolicy")).toBe(false);
  });

  it("lint counts pod-cert --signer init containers as certificate generators (POD_IP missing is an error)", () => {
    const m = signerManifest();
    const rc = structuredClone(find(m, "RayCluster"));
    rc.spec.workerGroupSpecs[0].template.spec.initContainers[0].env = [];
    const report = lintFiles([{ file: "x.yaml", text: stringify(rc) }]);
    expect(report.findings.map((f) => `${f.rule} ${f.path}`)).toContain("pod-ip-missing spec.workerGroupSpecs[0].template.spec.initContainers[0]");
  });

  withCrd.it("the CLI writes random tokens (32 bytes base64url, new on every run), Secrets 0600, and validates with --crd", async () => {
    const cwd = tmp.fresh();
    const tokens: string[] = [];
    for (const out of ["a", "b"]) {
      const r = await runCli(["manifest", "--name", "rc", "--mode", "signer", "--network-policy", "--crd", CRD_FILE, "--out", out], { cwd });
      expect(r.code, r.err).toBe(0);
      expect(r.err).toMatch(/RayCluster validates against/);
      for (const role of ["head", "worker"]) {
        const file = path.join(cwd, out, `secret-rc-signer-${role}-token.yaml`);
        expect(statSync(file).mode & 0o777).toBe(0o600);
        const doc = parseAllDocuments(readFileSync(file, "utf8"))[0]!.toJS() as Obj;
        const token = Buffer.from(doc.data.token, "base64").toString();
        expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
        tokens.push(token);
      }
      const files = readdirSync(path.join(cwd, out)).filter((f) => f.endsWith(".yaml")).map((f) => ({ file: f, text: readFileSync(path.join(cwd, out, f), "utf8") }));
      const lint = lintFiles(files);
      expect(lint.errors + lint.warnings).toBe(0);
    }
    expect(new Set(tokens).size).toBe(4);
    const stdout = await runCli(["manifest", "--name", "rc", "--mode", "signer", "--ca-dir", "a"], { cwd });
    expect(stdout.code, stdout.err).toBe(0);
    expect(stdout.out).toMatch(/kind: Deployment/);
  });
});
