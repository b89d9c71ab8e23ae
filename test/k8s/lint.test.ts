/**
 * `raytls lint`: one test per rule on a small manifest written here, and the CLI's exit codes.
 * KubeRay's samples and raytls's own output: lint-samples.test.ts.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { loadCrd } from "../../src/k8s/crd-schema.js";
import { lintFiles, type LintReport } from "../../src/k8s/lint/lint.js";
import { CRD_FILE, crdText, withCrd } from "./k8s-fixture.js";
import { runCli } from "../helpers/cli.js";
import { useTempDir } from "../helpers/temp-dir.js";

const tmp = useTempDir("raytls-k8s-");

type Obj = Record<string, any>;

const HEAD_SCRIPT = `#!/bin/sh
set -eu
cat > /tmp/ext.cnf <<EOF
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = @alt_names
[alt_names]
DNS.1 = localhost
DNS.2 = $FQ_RAY_IP
DNS.3 = $RAY_IP
IP.1 = $POD_IP
EOF
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /etc/ray/tls/tls.key -subj /CN=head -out /tmp/c.csr
openssl x509 -req -in /tmp/c.csr -CA /etc/ca/tls/ca.crt -CAkey /etc/ca/tls/ca.key -extfile /tmp/ext.cnf -out /etc/ray/tls/tls.crt
`;
const WORKER_SCRIPT = HEAD_SCRIPT.replace("DNS.2 = $FQ_RAY_IP\nDNS.3 = $RAY_IP\n", "").replace("/CN=head", "/CN=worker");

const tlsEnv = () => [
  { name: "RAY_USE_TLS", value: "1" },
  { name: "RAY_TLS_SERVER_CERT", value: "/etc/ray/tls/tls.crt" },
  { name: "RAY_TLS_SERVER_KEY", value: "/etc/ray/tls/tls.key" },
  { name: "RAY_TLS_CA_CERT", value: "/etc/ray/tls/ca.crt" },
];

function pod(role: "head" | "worker"): Obj {
  const script = role === "head" ? "head.sh" : "worker.sh";
  return {
    spec: {
      initContainers: [{
        name: `${role}-tls`,
        image: "rayproject/ray:2.52.0",
        command: ["/bin/sh", `/scripts/${script}`],
        env: [{ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }],
        volumeMounts: [
          { name: "ca", mountPath: "/etc/ca/tls", readOnly: true },
          { name: "tls", mountPath: "/etc/ray/tls" },
          { name: "scripts", mountPath: "/scripts" },
        ],
      }],
      containers: [{
        name: `ray-${role}`,
        image: "rayproject/ray:2.52.0",
        env: tlsEnv(),
        volumeMounts: [{ name: "tls", mountPath: "/etc/ray/tls", readOnly: true }],
      }],
      volumes: [
        { name: "ca", secret: { secretName: "my-ca" } },
        { name: "tls", emptyDir: {} },
        { name: "scripts", configMap: { name: "certs", defaultMode: 365 } },
      ],
    },
  };
}

function base(): Obj[] {
  return [
    {
      apiVersion: "ray.io/v1",
      kind: "RayCluster",
      metadata: { name: "rc" },
      spec: {
        rayVersion: "2.52.0",
        headGroupSpec: { rayStartParams: {}, template: pod("head") },
        workerGroupSpecs: [{ groupName: "small", replicas: 1, minReplicas: 1, maxReplicas: 2, rayStartParams: {}, template: pod("worker") }],
      },
    },
    { apiVersion: "v1", kind: "Secret", metadata: { name: "my-ca" }, data: { "ca.crt": "eA==", "ca.key": "eA==" } },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "certs" }, data: { "head.sh": HEAD_SCRIPT, "worker.sh": WORKER_SCRIPT } },
  ];
}

const toYaml = (docs: Obj[]) => docs.map((d) => stringify(d)).join("---\n");

function lint(docs: Obj[] | string, crd = false): LintReport {
  const text = typeof docs === "string" ? docs : toYaml(docs);
  return lintFiles([{ file: "test.yaml", text }], crd ? { crd: loadCrd(crdText(), CRD_FILE) } : {});
}

/** Lints `base()` after `edit`, and returns the findings of `rule`. */
function findings(rule: string, edit: (docs: Obj[], rc: Obj, head: Obj, worker: Obj) => void, crd = false) {
  const docs = base();
  const rc = docs[0]!;
  edit(docs, rc, rc.spec.headGroupSpec.template.spec, rc.spec.workerGroupSpecs[0].template.spec);
  return lint(docs, crd).findings.filter((f) => f.rule === rule);
}

describe("raytls lint: each rule on a small manifest", () => {
  it("the base manifest is clean (so every finding below comes from its edit)", () => {
    const r = lint(base());
    expect(r.findings).toEqual([]);
    expect(r.clusters).toBe(1);
  });
  withCrd.it("the base manifest is clean against KubeRay's CRD too", () => {
    const r = lint(base(), true);
    expect(r.findings).toEqual([]);
  });

  it("tls-env-incomplete: RAY_USE_TLS on, RAY_TLS_CA_CERT missing (error, with Ray's own message)", () => {
    const f = findings("tls-env-incomplete", (_d, _rc, _h, w) => w.containers[0].env.pop());
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ severity: "error", path: "spec.workerGroupSpecs[0].template.spec.containers[0].env" });
    expect(f[0]!.message).toMatch(/RAY_TLS_CA_CERT is not set.*must also be set/);
    expect(f[0]!.line).toBeGreaterThan(1);
  });

  it("tls-env-incomplete: RAY_USE_TLS=true (any case) counts as on", () => {
    const f = findings("tls-env-incomplete", (_d, _rc, h) => {
      h.containers[0].env = [{ name: "RAY_USE_TLS", value: "True" }];
    });
    expect(f.map((x) => x.path)).toEqual(["spec.headGroupSpec.template.spec.containers[0].env"]);
  });

  it("tls-mixed: RAY_USE_TLS=\" 1\" is off, as Ray reads it (no trimming), so the worker is flagged", () => {
    const f = findings("tls-mixed", (_d, _rc, _h, w) => {
      w.containers[0].env = [{ name: "RAY_USE_TLS", value: " 1" }];
    });
    expect(f.map((x) => x.path)).toEqual(["spec.workerGroupSpecs[0].template.spec.containers[0].env"]);
  });

  describe("envFrom: variables from a ConfigMap or Secret count, as Kubernetes sets them", () => {
    const fromConfigMap = (docs: Obj[], worker: Obj, give = true) => {
      worker.containers[0].env = [];
      worker.containers[0].envFrom = [{ configMapRef: { name: "ray-tls-env" } }];
      if (give) docs.push({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ray-tls-env" }, data: Object.fromEntries(tlsEnv().map((e) => [e.name, e.value])) });
    };

    it("a ConfigMap given to lint that sets all four: no finding at all", () => {
      const docs = base();
      fromConfigMap(docs, docs[0]!.spec.workerGroupSpecs[0].template.spec);
      expect(lint(docs).findings).toEqual([]);
    });

    it("a Secret (base64 data) behind a prefix counts too; without the prefix the names do not match", () => {
      const secret = (prefix: string) => {
        const docs = base();
        const w = docs[0]!.spec.workerGroupSpecs[0].template.spec;
        w.containers[0].env = [];
        w.containers[0].envFrom = [{ prefix, secretRef: { name: "tls-env" } }];
        const data = Object.fromEntries(tlsEnv().map((e) => [e.name.replace(/^RAY_/, ""), Buffer.from(e.value).toString("base64")]));
        docs.push({ apiVersion: "v1", kind: "Secret", metadata: { name: "tls-env" }, data });
        return lint(docs).findings.map((f) => `${f.rule}:${f.severity}`);
      };
      expect(secret("RAY_")).toEqual([]);
      expect(secret("")).toEqual(["tls-mixed:error"]);
    });

    it("a ConfigMap not given to lint: a warning that names it, not an error", () => {
      const f = findings("tls-mixed", (docs, _rc, _h, w) => fromConfigMap(docs, w, false));
      expect(f).toHaveLength(1);
      expect(f[0]!.severity).toBe("warning");
      expect(f[0]!.message).toMatch(/takes env from ConfigMap ray-tls-env, which was not given to raytls lint/);
      expect(f[0]!.hint).toMatch(/pass the file with ConfigMap ray-tls-env to raytls lint/);
    });

    it("a path from the ConfigMap that no volumeMount holds is reported at envFrom[i]", () => {
      const f = findings("tls-path-not-mounted", (docs, _rc, _h, w) => {
        fromConfigMap(docs, w);
        docs.at(-1)!.data.RAY_TLS_CA_CERT = "/etc/ca/tls/ca.crt";
      });
      expect(f).toHaveLength(1);
      expect(f[0]).toMatchObject({ severity: "error", path: "spec.workerGroupSpecs[0].template.spec.containers[0].envFrom[0]" });
      expect(f[0]!.message).toMatch(/RAY_TLS_CA_CERT=\/etc\/ca\/tls\/ca\.crt \(from ConfigMap ray-tls-env\)/);
    });

    it("env wins over envFrom for the same name", () => {
      const f = findings("tls-mixed", (docs, _rc, _h, w) => {
        fromConfigMap(docs, w);
        w.containers[0].env = [{ name: "RAY_USE_TLS", value: "0" }];
      });
      expect(f.map((x) => x.severity)).toEqual(["error"]);
    });
  });

  it("tls-mixed: TLS off in the workers, on in the head (error on the worker)", () => {
    const f = findings("tls-mixed", (_d, _rc, _h, w) => {
      w.containers[0].env = [{ name: "RAY_USE_TLS", value: "0" }];
    });
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ severity: "error", path: "spec.workerGroupSpecs[0].template.spec.containers[0].env" });
    expect(f[0]!.message).toMatch(/off in container ray-worker .* on in ray-head/);
  });

  it("tls-path-not-mounted: RAY_TLS_CA_CERT under a path the Ray container does not mount (error at the env entry)", () => {
    const f = findings("tls-path-not-mounted", (_d, _rc, h) => {
      h.containers[0].env[3].value = "/etc/ca/tls/ca.crt";
    });
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ severity: "error", path: "spec.headGroupSpec.template.spec.containers[0].env[3]" });
    expect(f[0]!.message).toContain("RAY_TLS_CA_CERT=/etc/ca/tls/ca.crt");
  });

  it("ca-key-exposed: the CA Secret mounted into a Ray container (warning citing the seed, with the fix)", () => {
    const f = findings("ca-key-exposed", (_d, _rc, _h, w) => {
      w.containers[0].volumeMounts.push({ name: "ca", mountPath: "/etc/ca/tls", readOnly: true });
    });
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ severity: "warning", path: "spec.workerGroupSpecs[0].template.spec.containers[0].volumeMounts[1]" });
    expect(f[0]!.message).toContain("/etc/ca/tls/ca.key");
    expect(f[0]!.message).toMatch(/do not store your CA private key in a Kubernetes Secret/);
    expect(f[0]!.hint).toMatch(/init container only.*--mode signer/);
  });

  it("ca-key-exposed: an init container that copies the CA mount (key included) into the shared emptyDir", () => {
    const f = findings("ca-key-exposed", (_d, _rc, h) => {
      h.initContainers[0].command = ["/bin/sh", "-c", "cp -R /etc/ca/tls /etc/ray && /scripts/head.sh"];
    });
    expect(f.map((x) => x.path)).toEqual(["spec.headGroupSpec.template.spec.containers[0].volumeMounts[0]"]);
    expect(f[0]!.message).toMatch(/copied by init container head-tls into volume tls/);
  });

  it("ca-key-exposed: not raised when the Secret has no CA key (only ca.crt)", () => {
    const f = findings("ca-key-exposed", (d, _rc, _h, w) => {
      d[1]!.data = { "ca.crt": "eA==" };
      w.containers[0].volumeMounts.push({ name: "ca", mountPath: "/etc/ca/tls", readOnly: true });
    });
    expect(f).toEqual([]);
  });

  it("ca-key-exposed: the CA key in a Ray container's environment, by secretKeyRef or envFrom (known or guessed Secret)", () => {
    const byRef = findings("ca-key-exposed", (_d, _rc, _h, w) => {
      w.containers[0].env.push({ name: "CA_KEY", valueFrom: { secretKeyRef: { name: "my-ca", key: "ca.key" } } });
    });
    expect(byRef).toHaveLength(1);
    expect(byRef[0]).toMatchObject({ severity: "warning", path: "spec.workerGroupSpecs[0].template.spec.containers[0].env[4]" });
    expect(byRef[0]!.message).toMatch(/Secret my-ca key ca\.key\) is in the environment of long-running container ray-worker .* as CA_KEY;/);
    expect(byRef[0]!.hint).toMatch(/remove the secretKeyRef/);

    const byEnvFrom = findings("ca-key-exposed", (_d, _rc, h) => {
      h.containers[0].envFrom = [{ prefix: "X_", secretRef: { name: "my-ca" } }];
    });
    expect(byEnvFrom.map((x) => x.path)).toEqual(["spec.headGroupSpec.template.spec.containers[0].envFrom[0]"]);
    expect(byEnvFrom[0]!.message).toMatch(/as X_ca\.key \(clusters that accept any printable variable name pass it; older ones skip it\)/);

    const guessed = findings("ca-key-exposed", (_d, _rc, h) => {
      h.containers[0].envFrom = [{ secretRef: { name: "other-ca-secret" } }];
    });
    expect(guessed).toHaveLength(1);
    expect(guessed[0]!.message).toMatch(/assumed from the Secret's name/);
  });

  it("ca-key-exposed: no env finding for a secretKeyRef to ca.crt, or envFrom a Secret without a CA key", () => {
    const f = findings("ca-key-exposed", (d, _rc, h, w) => {
      w.containers[0].env.push({ name: "CA_CERT", valueFrom: { secretKeyRef: { name: "my-ca", key: "ca.crt" } } });
      d.push({ apiVersion: "v1", kind: "Secret", metadata: { name: "tokens" }, data: { token: "eA==" } });
      h.containers[0].envFrom = [{ secretRef: { name: "tokens" } }];
    });
    expect(f).toEqual([]);
  });

  it("head-san-missing-fqdn (error) and head-san-missing-short-name (info)", () => {
    const noFqdn = findings("head-san-missing-fqdn", (d) => {
      d[2]!.data["head.sh"] = HEAD_SCRIPT.replace("DNS.2 = $FQ_RAY_IP\n", "");
    });
    expect(noFqdn).toHaveLength(1);
    expect(noFqdn[0]).toMatchObject({ severity: "error", path: "spec.headGroupSpec.template.spec.initContainers[0]" });
    expect(noFqdn[0]!.message).toMatch(/no \$FQ_RAY_IP/);
    const noShort = findings("head-san-missing-short-name", (d) => {
      d[2]!.data["head.sh"] = HEAD_SCRIPT.replace("DNS.3 = $RAY_IP\n", "");
    });
    expect(noShort).toHaveLength(1);
    expect(noShort[0]).toMatchObject({ severity: "info" });
    expect(noShort[0]!.message).toMatch(/Peer name rc-head-svc is not in peer certificate/);
    // ${FQ_RAY_IP} (braces) counts as well; a worker script without it is fine.
    expect(findings("head-san-missing-fqdn", (d) => {
      d[2]!.data["head.sh"] = HEAD_SCRIPT.replace("$FQ_RAY_IP", "${FQ_RAY_IP}");
    })).toEqual([]);
  });

  it("head-san-missing-fqdn lists each name once (issue 11: it said `localhost, localhost`)", () => {
    const f = findings("head-san-missing-fqdn", (d) => {
      d[2]!.data["head.sh"] = HEAD_SCRIPT.replace("DNS.2 = $FQ_RAY_IP\n", "").replace("-subj /CN=head", "-subj /CN=head -addext subjectAltName=DNS:localhost");
    });
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toMatch(/\(it has localhost, \$RAY_IP\)/);
  });

  it("script-not-checked (warning): a RayCluster alone, its scripts' ConfigMap not given, says what it could not check", () => {
    const docs = base();
    const r = lint([docs[0]!, docs[1]!]);
    const f = r.findings.filter((x) => x.rule === "script-not-checked");
    expect(f.map((x) => x.path)).toEqual(["spec.headGroupSpec.template.spec.initContainers[0]", "spec.workerGroupSpecs[0].template.spec.initContainers[0]"]);
    expect(f[0]).toMatchObject({ severity: "warning" });
    expect(f[0]!.message).toMatch(/runs \/scripts\/head\.sh from ConfigMap certs, which was not given to raytls lint: the script's SANs \(\$FQ_RAY_IP\)/);
    expect(lint(docs).findings.filter((x) => x.rule === "script-not-checked")).toEqual([]);
  });

  it("tls-file-missing (error): tls.cert where the init script writes tls.crt, and a Secret without the key", () => {
    const f = findings("tls-file-missing", (_d, _rc, h) => {
      h.containers[0].env[1].value = "/etc/ray/tls/tls.cert";
    });
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ severity: "error", path: "spec.headGroupSpec.template.spec.containers[0].env[1]" });
    expect(f[0]!.message).toMatch(/RAY_TLS_SERVER_CERT=\/etc\/ray\/tls\/tls\.cert .* has no file tls\.cert/);
    expect(f[0]!.hint).toBe("did you mean /etc/ray/tls/tls.crt?");
    // A Secret mounted directly: its keys are what the volume holds.
    const s = findings("tls-file-missing", (d, _rc, _h, w) => {
      d[1]!.data = { "ca.crt": "eA==", "tls.crt": "eA==", "tls.key": "eA==" };
      w.volumes.push({ name: "direct", secret: { secretName: "my-ca" } });
      w.containers[0].volumeMounts = [{ name: "direct", mountPath: "/etc/ray/tls", readOnly: true }];
      w.containers[0].env[3].value = "/etc/ray/tls/ca.pem";
    });
    expect(s.map((x) => x.message)).toEqual([expect.stringMatching(/Secret my-ca has no file ca\.pem \(it has ca\.crt, tls\.crt, tls\.key\)/)]);
    expect(findings("tls-file-missing", () => undefined)).toEqual([]);
  });

  it("pod-ip-missing: a certificate init container without POD_IP, or with a fixed one (error)", () => {
    const f = findings("pod-ip-missing", (_d, _rc, h, w) => {
      w.initContainers[0].env = [];
      h.initContainers[0].env = [{ name: "POD_IP", value: "10.0.0.1" }];
    });
    expect(f.map((x) => x.path).sort()).toEqual([
      "spec.headGroupSpec.template.spec.initContainers[0].env[0]",
      "spec.workerGroupSpecs[0].template.spec.initContainers[0]",
    ]);
    expect(f.every((x) => x.severity === "error")).toBe(true);
  });

  it("tls-options-conflict: tlsOptions.enabled with RAY_TLS_* env and /etc/ray/tls mounts (errors)", () => {
    const f = findings("tls-options-conflict", (_d, rc) => {
      rc.spec.tlsOptions = { enabled: true };
    });
    const paths = f.map((x) => x.path);
    expect(paths).toContain("spec.headGroupSpec.template.spec.containers[0].env[0]");
    expect(paths).toContain("spec.workerGroupSpecs[0].template.spec.containers[0].volumeMounts[0]");
    expect(paths).toContain("spec.headGroupSpec.template.spec.initContainers[0].volumeMounts[1]");
    expect(f.every((x) => x.severity === "error")).toBe(true);
    expect(findings("tls-options-conflict", () => {})).toEqual([]);
  });

  it("autoscaler-tls-missing: in-tree autoscaling on, TLS on, autoscaler without env/mounts (error); fixed when given both", () => {
    const f = findings("autoscaler-tls-missing", (_d, rc) => {
      rc.spec.enableInTreeAutoscaling = true;
      rc.spec.autoscalerOptions = { env: tlsEnv() };
    });
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ severity: "error", path: "spec.autoscalerOptions" });
    expect(f[0]!.message).toMatch(/RAY_TLS_SERVER_CERT=\/etc\/ray\/tls\/tls\.crt is not under any of its volumeMounts/);
    expect(findings("autoscaler-tls-missing", (_d, rc) => {
      rc.spec.enableInTreeAutoscaling = true;
      rc.spec.autoscalerOptions = { env: tlsEnv(), volumeMounts: [{ name: "tls", mountPath: "/etc/ray/tls" }] };
    })).toEqual([]);
  });

  it("script-no-eku: a script without extendedKeyUsage (info, pointing into the ConfigMap)", () => {
    const f = findings("script-no-eku", (d) => {
      d[2]!.data["worker.sh"] = WORKER_SCRIPT.replace("extendedKeyUsage = serverAuth, clientAuth\n", "");
    });
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ severity: "info", path: 'data["worker.sh"]', resource: "ConfigMap certs" });
  });

  it("script-mode-0777: `defaultMode: 0777` is octal as kubectl reads it (info)", () => {
    const text = toYaml(base()).replace("defaultMode: 365", "defaultMode: 0777");
    const f = lint(text).findings.filter((x) => x.rule === "script-mode-0777");
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ severity: "info", path: "spec.headGroupSpec.template.spec.volumes[2].configMap.defaultMode" });
  });

  it("v1alpha1 (warning)", () => {
    const f = findings("v1alpha1", (_d, rc) => {
      rc.apiVersion = "ray.io/v1alpha1";
    });
    expect(f).toEqual([expect.objectContaining({ severity: "warning", path: "apiVersion", line: 1, column: 13 })]);
  });

  withCrd.it("crd-schema with --crd: an unknown field and a wrong type, with their line and column (errors)", () => {
    const f = findings("crd-schema", (_d, rc) => {
      rc.spec.workerGroupSpecs[0].replicaz = 3;
      rc.spec.workerGroupSpecs[0].maxReplicas = "two";
    }, true);
    expect(f.map((x) => `${x.path}: ${x.message}`).sort()).toEqual([
      "spec.workerGroupSpecs[0].maxReplicas: schema: must be integer",
      "spec.workerGroupSpecs[0].replicaz: schema: unknown field (not in the CRD schema)",
    ]);
    expect(f.every((x) => x.severity === "error" && typeof x.line === "number")).toBe(true);
  });
});

describe("raytls lint (CLI): exit codes and bad input", () => {
  it("exit 1 with an error, text grouped by resource", async () => {
    const cwd = tmp.fresh();
    const docs = base();
    docs[0]!.spec.workerGroupSpecs[0].template.spec.containers[0].env.pop();
    writeFileSync(path.join(cwd, "bad.yaml"), toYaml(docs));
    const r = await runCli(["lint", "bad.yaml"], { cwd });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^bad\.yaml: RayCluster rc\n/);
    expect(r.out).toMatch(/error {3}tls-env-incomplete {2}spec\.workerGroupSpecs\[0\]\.template\.spec\.containers\[0\]\.env/);
    expect(r.out).toMatch(/1 RayCluster checked: 1 error, 0 warnings, 0 infos/);
  });

  it("unparsable YAML exits 2 with file:line:column", async () => {
    const cwd = tmp.fresh();
    writeFileSync(path.join(cwd, "broken.yaml"), "apiVersion: ray.io/v1\nkind: RayCluster\nspec:\n  rayVersion: 2.52.0\n   headGroupSpec: {}\n");
    const r = await runCli(["lint", "broken.yaml"], { cwd });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^ERROR: broken\.yaml:4:15: cannot parse YAML: [^\n]*[a-z]\n/);
    writeFileSync(path.join(cwd, "tabs.yaml"), "a: 1\nb:\n  - x\n - y\n");
    const t = await runCli(["lint", "tabs.yaml", "--json"], { cwd });
    expect(t.code).toBe(2);
    expect(t.err).toMatch(/tabs\.yaml:\d+:\d+: cannot parse YAML/);
    expect(JSON.parse(t.out).error.code).toBe("yaml-parse");
  });

  it("a missing file exits 2 naming it", async () => {
    const r = await runCli(["lint", "nope.yaml"], { cwd: tmp.fresh() });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/nope\.yaml: no such file/);
  });
});
