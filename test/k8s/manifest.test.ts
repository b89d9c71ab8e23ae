/**
 * `raytls manifest`: the generated resources validate against KubeRay's CRD, the Secret is what
 * kubectl makes, `--out DIR` renders with `kubectl kustomize`, and the CLI's modes and errors.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { loadCrd } from "../../src/k8s/crd-schema.js";
import { buildManifest, manifestYaml, type ManifestOptions } from "../../src/k8s/manifest.js";
import { CRD_FILE, withCrd, crdText, kubectlMissing, kubectlPath, opensslCa } from "./k8s-fixture.js";
import { runCli } from "../helpers/cli.js";
import { useTempDir } from "../helpers/temp-dir.js";

const tmp = useTempDir("raytls-k8s-");

const TWO_GROUPS = [
  { name: "cpu", replicas: 2, minReplicas: 1, maxReplicas: 10 },
  { name: "gpu", replicas: 0, minReplicas: 0, maxReplicas: 4 },
];

function manifest(o: Partial<ManifestOptions> = {}) {
  const dir = tmp.fresh();
  const ca = opensslCa(dir);
  return buildManifest({
    name: "rc", namespace: "ml", mode: "seed", clusterDomain: "cluster.local", workerGroups: TWO_GROUPS, autoscaler: true,
    ca: { caCertPem: ca.certPem, caKeyPem: ca.keyPem }, ...o,
  });
}

type Obj = Record<string, any>;
const cluster = (m: ReturnType<typeof buildManifest>): Obj => m.resources.find((r) => r.kind === "RayCluster")!.value as Obj;

withCrd.describe("generated RayCluster against the shared CRD (KubeRay v1.7)", () => {
  let crd: ReturnType<typeof loadCrd>;
  beforeAll(() => {
    crd = loadCrd(crdText(), CRD_FILE);
  });
  it("seed mode, two worker groups, autoscaler on: no violations", () => {
    const rc = cluster(manifest());
    expect(rc.spec.workerGroupSpecs).toHaveLength(2);
    expect(rc.spec.enableInTreeAutoscaling).toBe(true);
    expect(crd.validate(rc, "v1")).toEqual([]);
  });
  it("kuberay-mtls mode, two worker groups, autoscaler on: no violations", () => {
    const rc = cluster(manifest({ mode: "kuberay-mtls", ca: undefined }));
    expect(rc.spec.tlsOptions).toEqual({ enabled: true });
    expect(crd.validate(rc, "v1")).toEqual([]);
  });
  it("the validator does fail: an unknown field, a wrong type, a missing required field", () => {
    const rc = structuredClone(cluster(manifest()));
    rc.spec.headGroupSpec.template.spec.containers[0].envv = [];
    rc.spec.workerGroupSpecs[0].maxReplicas = "ten";
    delete rc.spec.workerGroupSpecs[1].template.spec.containers[0].name;
    const v = crd.validate(rc, "v1").map((x) => `${x.path.join("/")}: ${x.message}`);
    expect(v).toContain("spec/headGroupSpec/template/spec/containers/0/envv: unknown field (not in the CRD schema)");
    expect(v).toContain("spec/workerGroupSpecs/0/maxReplicas: must be integer");
    expect(v).toContain("spec/workerGroupSpecs/1/template/spec/containers/0/name: required field is missing");
  });
});

describe("seed-mode resources", () => {
  it("Ray containers and the autoscaler mount only ray-tls and carry the four TLS variables; the CA Secret is in the init containers only", () => {
    const rc = cluster(manifest());
    const pods = [rc.spec.headGroupSpec.template, ...rc.spec.workerGroupSpecs.map((g: Obj) => g.template)];
    const expectTls = (c: Obj) => {
      expect(c.env).toEqual([
        { name: "RAY_USE_TLS", value: "1" },
        { name: "RAY_TLS_SERVER_CERT", value: "/etc/ray/tls/tls.crt" },
        { name: "RAY_TLS_SERVER_KEY", value: "/etc/ray/tls/tls.key" },
        { name: "RAY_TLS_CA_CERT", value: "/etc/ray/tls/ca.crt" },
      ]);
      expect(c.volumeMounts).toEqual([{ name: "ray-tls", mountPath: "/etc/ray/tls", readOnly: true }]);
    };
    for (const p of pods) {
      expectTls(p.spec.containers[0]);
      const init = p.spec.initContainers[0];
      expect(init.env[0]).toEqual({ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } });
      expect(init.volumeMounts.map((m: Obj) => m.name)).toContain("ca-tls");
      const vols = Object.fromEntries(p.spec.volumes.map((v: Obj) => [v.name, v]));
      expect(vols["ca-tls"].secret.defaultMode).toBe(0o400);
      expect(vols["gen-tls-script"].configMap.defaultMode).toBe(0o555);
    }
    expect(pods[0].spec.initContainers[0].command).toEqual(["/bin/sh", "/etc/gen/tls/gencert_head.sh"]);
    expect(pods[1].spec.initContainers[0].command).toEqual(["/bin/sh", "/etc/gen/tls/gencert_worker.sh"]);
    expectTls(rc.spec.autoscalerOptions);
  });

  it("the YAML stream parses back to the same objects under YAML 1.1 and 1.2", () => {
    const m = manifest({ image: "registry.example.com/ray:on", rayVersion: "2.52.0" });
    const text = manifestYaml(m);
    for (const version of ["1.1", "1.2"] as const) {
      const docs = parseAllDocuments(text, { version }).map((d) => d.toJS());
      expect(docs).toEqual(m.resources.map((r) => r.value));
    }
    expect(text).toMatch(/value: "1"/);
  });

  it("the Secret's data equals kubectl create secret generic --from-file output", (t) => {
    const why = kubectlMissing();
    if (why) return t.skip(why);
    const dir = tmp.fresh();
    const ca = opensslCa(dir, ["-newkey", "rsa:2048"]);
    const m = buildManifest({ name: "rc", namespace: "ml", mode: "seed", clusterDomain: "cluster.local", caSecretName: "ca-tls", ca: { caCertPem: ca.certPem, caKeyPem: ca.keyPem } });
    const ours = m.resources.find((r) => r.kind === "Secret")!.value as Obj;
    const theirs = parse(execFileSync(kubectlPath(), ["create", "secret", "generic", "ca-tls", "--from-file=ca.crt", "--from-file=ca.key", "--dry-run=client", "-o", "yaml"], { cwd: dir, encoding: "utf8" })) as Obj;
    expect(ours.data).toEqual(theirs.data);
    expect(ours.metadata.name).toBe(theirs.metadata.name);
  });
});

describe("raytls manifest (CLI)", () => {
  it("seed mode names the CA Secret after the cluster (alpha and beta in one namespace do not collide); --ca-secret ca-tls gives the seed's name", async () => {
    const cwd = tmp.fresh();
    const secretOf = async (argv: string[]) => {
      const r = await runCli(["manifest", ...argv], { cwd });
      expect(r.code, r.err).toBe(0);
      const docs = parseAllDocuments(r.out).map((d) => d.toJS() as Obj);
      const rc = docs.find((d) => d.kind === "RayCluster")!;
      const mounted = [rc.spec.headGroupSpec.template, ...rc.spec.workerGroupSpecs.map((g: Obj) => g.template)].map(
        (t: Obj) => t.spec.volumes.find((v: Obj) => v.secret)?.secret.secretName,
      );
      return { secret: docs.find((d) => d.kind === "Secret")!.metadata.name, mounted };
    };
    expect(await secretOf(["--name", "alpha"])).toEqual({ secret: "alpha-ca-tls", mounted: ["alpha-ca-tls", "alpha-ca-tls"] });
    expect(await secretOf(["--name", "beta"])).toEqual({ secret: "beta-ca-tls", mounted: ["beta-ca-tls", "beta-ca-tls"] });
    expect(await secretOf(["--name", "gamma", "--ca-secret", "ca-tls"])).toEqual({ secret: "ca-tls", mounted: ["ca-tls", "ca-tls"] });
  });

  withCrd.it("--out DIR: one file per resource plus kustomization.yaml that kubectl kustomize renders", async (t) => {
    const cwd = tmp.fresh();
    mkdirSync(path.join(cwd, "ca"));
    opensslCa(path.join(cwd, "ca"));
    const r = await runCli(["manifest", "--name", "rc", "--namespace", "ml", "--ca-dir", "ca", "--worker-group", "cpu:2:1:10", "--worker-group", "gpu:0:0:4", "--autoscaler", "--crd", CRD_FILE, "--out", "k8s"], { cwd });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/RayCluster validates against/);
    expect(r.err).toMatch(/rc-head-svc\.ml\.svc\.cluster\.local/);
    const k8s = path.join(cwd, "k8s");
    expect(statSync(path.join(k8s, "secret-rc-ca-tls.yaml")).mode & 0o777).toBe(0o600);
    expect(existsSync(path.join(k8s, "ca.key"))).toBe(false); // the given CA stays where it is
    const kust = parse(readFileSync(path.join(k8s, "kustomization.yaml"), "utf8")) as Obj;
    expect(kust.resources).toEqual(["secret-rc-ca-tls.yaml", "configmap-rc-tls-scripts.yaml", "raycluster-rc.yaml"]);
    const why = kubectlMissing();
    if (why) return t.skip(why);
    const rendered = parseAllDocuments(execFileSync(kubectlPath(), ["kustomize", k8s], { encoding: "utf8" })).map((d) => d.toJS() as Obj);
    expect(rendered.map((d) => `${d.kind}/${d.metadata.name}/${d.metadata.namespace}`).sort()).toEqual(["ConfigMap/rc-tls-scripts/ml", "RayCluster/rc/ml", "Secret/rc-ca-tls/ml"]);
    const again = await runCli(["manifest", "--name", "rc", "--namespace", "ml", "--ca-dir", "ca", "--out", "k8s"], { cwd });
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/refusing to overwrite/);
    expect((await runCli(["manifest", "--name", "rc", "--namespace", "ml", "--ca-dir", "ca", "--out", "k8s", "--force"], { cwd })).code).toBe(0);
  });

  it("stdout mode without --ca-dir makes a fresh CA in ./<name>-ca/ and says so on stderr", async () => {
    const cwd = tmp.fresh();
    const r = await runCli(["manifest", "--name", "demo"], { cwd });
    expect(r.code, r.err).toBe(0);
    const caDir = path.join(cwd, "demo-ca");
    expect(r.err).toContain(path.join(caDir, "ca.key"));
    expect(statSync(path.join(caDir, "ca.key")).mode & 0o777).toBe(0o400);
    const secret = parseAllDocuments(r.out).map((d) => d.toJS() as Obj).find((d) => d.kind === "Secret")!;
    expect(Buffer.from(secret.data["ca.crt"], "base64").toString()).toBe(readFileSync(path.join(caDir, "ca.crt"), "utf8"));
    expect(Buffer.from(secret.data["ca.key"], "base64").toString()).toBe(readFileSync(path.join(caDir, "ca.key"), "utf8"));
    const rerun = await runCli(["manifest", "--name", "demo"], { cwd });
    expect(rerun.code).toBe(2);
    expect(rerun.err).toMatch(/hint: reuse it with --ca-dir demo-ca/);
    expect(rerun.out).toBe("");
    // Every run makes a new CA (never a fixed or sample key).
    const cwd2 = tmp.fresh();
    await runCli(["manifest", "--name", "demo"], { cwd: cwd2 });
    expect(readFileSync(path.join(cwd2, "demo-ca", "ca.key"), "utf8")).not.toBe(readFileSync(path.join(caDir, "ca.key"), "utf8"));
  });

  it("kuberay-mtls: tlsOptions, no RAY_TLS_* env or /etc/ray/tls mounts, the prerequisites in a YAML comment and on stderr", async () => {
    const r = await runCli(["manifest", "--name", "rc", "--mode", "kuberay-mtls", "--autoscaler"], { cwd: tmp.fresh() });
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/RayClusterMTLS/);
    expect(r.err).toMatch(/cert-manager/);
    expect(r.out).toMatch(/^# .*RayClusterMTLS/m);
    expect(r.out).toMatch(/^# .*cert-manager/m);
    const body = r.out.split("\n").filter((l) => !l.startsWith("#")).join("\n");
    expect(body).not.toMatch(/RAY_TLS_|RAY_USE_TLS|\/etc\/ray\/tls|kind: Secret|initContainers/);
    expect(parse(r.out).spec.tlsOptions).toEqual({ enabled: true });
  });

  it("bad input exits 2 naming the option: an unknown mode, signer-only options, worker groups, names, key type, a missing --ca-dir", async () => {
    const cwd = tmp.fresh();
    const cases: Array<[string[], RegExp]> = [
      [["--mode", "vault"], /--mode: unknown mode "vault"/],
      [["--network-policy"], /--network-policy only go with --mode signer/],
      [["--mode", "signer", "--raytls-image", "bad image"], /--raytls-image: "bad image" is not a container image reference/],
      [["--worker-group", "cpu:5:1:3"], /--worker-group\[0\]: "cpu:5:1:3" has REPLICAS 5 outside MIN\.\.MAX/],
      [["--worker-group", "cpu:1:1"], /--worker-group\[0\].*NAME:REPLICAS:MIN:MAX/],
      [["--head-dns", "bad name"], /--head-dns: "bad name" is not a valid DNS name/],
      // One DNS rule (src/pki/names.ts) for every caller: refused like `pod-cert --dns 10.0.0.1` (issue 12).
      [["--head-dns", "10.0.0.1"], /--head-dns: "10\.0\.0\.1" is an IP address, not a DNS name/],
      [["--key-type", "rsa-1024"], /--key-type: unknown key type/],
      [["--ca-dir", "nope"], /--ca-dir: CA directory .*nope does not exist/],
      [["--mode", "kuberay-mtls", "--head-dns", "x"], /--head-dns cannot be used with --mode kuberay-mtls/],
    ];
    for (const [args, re] of cases) {
      const r = await runCli(["manifest", "--name", "rc", ...args], { cwd });
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err).toMatch(re);
      expect(r.err).toMatch(/hint: /);
    }
    expect((await runCli(["manifest", "--name", "Not_Valid"], { cwd })).err).toMatch(/--name: "Not_Valid" is not a valid RayCluster name/);
    expect(existsSync(path.join(cwd, "rc-ca"))).toBe(false);
  });

  withCrd.it("--crd with a CRD that rejects the output exits 1 and writes nothing", async () => {
    const cwd = tmp.fresh();
    const crd = crdText().replace(/^( {14})tlsOptions:\n( {16}properties:\n( {18}.*\n)+?)( {16}type: object\n)/m, "");
    writeFileSync(path.join(cwd, "old-crd.yaml"), crd);
    const r = await runCli(["manifest", "--name", "rc", "--mode", "kuberay-mtls", "--crd", "old-crd.yaml", "--out", "k8s"], { cwd });
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(/spec\.tlsOptions: unknown field/);
    expect(existsSync(path.join(cwd, "k8s"))).toBe(false);
  });
});
