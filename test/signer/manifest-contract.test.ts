/**
 * The manifest and the signer agree: the signer Deployment's command starts a real signer (paths
 * mapped to a temp dir, listen on 127.0.0.1), and the head's and a worker's init-container
 * commands, run verbatim apart from the paths and the URL, get their certificates from it.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createCa } from "../../src/pki/ca.js";
import { buildManifest } from "../../src/k8s/manifest.js";
import { runCli, startCli } from "../helpers/cli.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { waitFor } from "../helpers/wait.js";

const dir = useTempDir("raytls-contract-").dir;

type Obj = Record<string, any>;

describe("manifest --mode signer commands against a real signer", () => {
  it("head and worker init commands get certificates from the signer the Deployment describes", async () => {
    const ca = await createCa();
    const m = buildManifest({
      name: "rc", namespace: "ml", mode: "signer", clusterDomain: "cluster.local", headDns: ["rc-head-svc"],
      ca: { caCertPem: ca.certPem, caKeyPem: ca.keyPem }, signer: { headToken: "H".repeat(43), workerToken: "W".repeat(43) },
    });
    const secret = (name: string, key: string) => Buffer.from((m.resources.find((r) => r.name === name)!.value as Obj).data[key], "base64").toString();
    // The files Kubernetes would mount, from the manifest's own Secrets and ConfigMap.
    for (const [sub, name, key] of [["ca/ca.crt", "rc-signer-ca", "ca.crt"], ["ca/ca.key", "rc-signer-ca", "ca.key"], ["head-token/token", "rc-signer-head-token", "token"], ["worker-token/token", "rc-signer-worker-token", "token"]] as const) {
      mkdirSync(path.dirname(path.join(dir, "signer", sub)), { recursive: true });
      writeFileSync(path.join(dir, "signer", sub), secret(name, key));
    }
    const map = (args: string[], base: string) => args.map((a) => a.replace(/^\/etc\/raytls\//, `${base}/`).replace(/^\/etc\/ray\/tls$/, `${base}/out`));
    const dep = m.resources.find((r) => r.kind === "Deployment")!.value as Obj;
    const serve = map(dep.spec.template.spec.containers[0].command.slice(1), path.join(dir, "signer")).map((a: string) => a.replace(/^0\.0\.0\.0:8443$/, "127.0.0.1:0"));
    // Start the signer in-process through the CLI; it runs until SIGTERM.
    const serving = startCli(serve, { cwd: dir });
    const url = (await waitFor("the signer's listening line", () => /listening on (https:\/\/\S+)/.exec(serving.err()), { timeoutMs: 4000 }))[1]!;
    const rc = m.resources.find((r) => r.kind === "RayCluster")!.value as Obj;
    for (const [role, t] of [["head", rc.spec.headGroupSpec.template], ["worker", rc.spec.workerGroupSpecs[0].template]] as const) {
      const base = path.join(dir, role);
      const ca = t.spec.volumes.find((v: Obj) => v.name === "raytls-ca").configMap.name;
      const tok = t.spec.volumes.find((v: Obj) => v.name === "signer-token").secret.secretName;
      mkdirSync(path.join(base, "ca"), { recursive: true });
      mkdirSync(path.join(base, "token"), { recursive: true });
      writeFileSync(path.join(base, "ca/ca.crt"), (m.resources.find((r) => r.name === ca)!.value as Obj).data["ca.crt"]);
      writeFileSync(path.join(base, "token/token"), secret(tok, "token"));
      const args = map(t.spec.initContainers[0].command.slice(1), base).map((a: string) => (a.startsWith("https://") ? url : a));
      const r = await runCli(args, { env: { POD_IP: "127.0.0.1" }, cwd: dir });
      expect(r.code, r.err).toBe(0);
      const cert = new X509Certificate(readFileSync(path.join(base, "out/tls.crt")));
      expect(cert.subjectAltName).toBe(role === "head" ? "DNS:localhost, DNS:rc-head-svc.ml.svc.cluster.local, DNS:rc-head-svc, IP Address:127.0.0.1" : "DNS:localhost, IP Address:127.0.0.1");
      // The init container re-runs over the surviving emptyDir (issue 11): the certificate that
      // still fits is kept, the signer is not asked again.
      const again = await runCli(args, { env: { POD_IP: "127.0.0.1" }, cwd: dir });
      expect(again.code, again.err).toBe(0);
      expect(again.out).toMatch(/^Kept the (head|worker) certificate already in /);
      expect(readFileSync(path.join(base, "out/tls.crt"), "utf8")).toBe(cert.toString());
      if (role === "worker") {
        // A key that is not the certificate's no longer fits: the manifest's --renew re-issues.
        writeFileSync(path.join(base, "out/tls.key"), readFileSync(path.join(dir, "head/out/tls.key")));
        const renewed = await runCli([...args, "--json"], { env: { POD_IP: "127.0.0.1" }, cwd: dir });
        expect(renewed.code, renewed.err).toBe(0);
        expect(JSON.parse(renewed.out)).toMatchObject({ action: "issued", replaced: "tls.key does not belong to tls.crt" });
        expect(readFileSync(path.join(base, "out/tls.crt"), "utf8")).not.toBe(cert.toString());
      }
    }
    expect(serving.out().trim().split("\n").map((l) => JSON.parse(l).decision)).toEqual(["issued", "issued", "issued"]);
    process.emit("SIGTERM");
    expect((await serving.result).code).toBe(0);
  });
});
