/**
 * The generated gencert scripts, run for real with sh and openssl, as an init container would:
 * TLS_DIR and CA_DIR in a temp dir, POD_IP and FQ_RAY_IP set.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { gencertScript, type ScriptKeyType } from "../../src/k8s/seed-scripts.js";
import { headFqdn, headServiceName } from "../../src/k8s/kuberay-names.js";
import { checkPeerName } from "../../src/pki/peer-name.js";
import { opensslCa } from "./k8s-fixture.js";
import { runCli } from "../helpers/cli.js";
import { useTempDir } from "../helpers/temp-dir.js";

const tmp = useTempDir("raytls-k8s-");

const NAME = "rc";
const FQDN = headFqdn(NAME, "ml", "cluster.local");

interface Run {
  status: number | null;
  stderr: string;
  tlsDir: string;
  caDir: string;
}

function runScript(role: "head" | "worker", o: { keyType?: ScriptKeyType; headDns?: string[]; env?: Record<string, string | undefined> } = {}): Run {
  const root = tmp.fresh();
  const caDir = path.join(root, "ca");
  const tlsDir = path.join(root, "tls");
  mkdirSync(caDir);
  opensslCa(caDir);
  // A read-only CA mount, as a Secret volume is: nothing may be written next to the CA.
  chmodSync(path.join(caDir, "ca.key"), 0o400);
  chmodSync(caDir, 0o555);
  const script = path.join(root, `gencert_${role}.sh`);
  writeFileSync(script, gencertScript(role, { keyType: o.keyType, headDns: o.headDns }));
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", TLS_DIR: tlsDir, CA_DIR: caDir, POD_IP: "10.244.1.7", FQ_RAY_IP: FQDN };
  for (const [k, v] of Object.entries(o.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const r = spawnSync("sh", [script], { env, encoding: "utf8" });
  return { status: r.status, stderr: r.stderr, tlsDir, caDir };
}

function sans(certFile: string): string {
  return execFileSync("openssl", ["x509", "-in", certFile, "-noout", "-ext", "subjectAltName"], { encoding: "utf8" });
}

function verify(run: Run, purpose: "sslserver" | "sslclient"): string {
  return execFileSync("openssl", ["verify", "-CAfile", path.join(run.caDir, "ca.crt"), "-purpose", purpose, path.join(run.tlsDir, "tls.crt")], { encoding: "utf8" });
}

describe("gencert_head.sh and gencert_worker.sh, run with sh and openssl", () => {
  for (const keyType of ["ecdsa-p256", "rsa-2048"] as const) {
    it(`head (${keyType}): verifies as server and client, has the seed's SANs, no ca.key in TLS_DIR`, () => {
      const run = runScript("head", { keyType, headDns: [headServiceName(NAME)] });
      expect(run.stderr).not.toMatch(/error/i);
      expect(run.status).toBe(0);
      expect(verify(run, "sslserver")).toMatch(/tls\.crt: OK/);
      expect(verify(run, "sslclient")).toMatch(/tls\.crt: OK/);
      const s = sans(path.join(run.tlsDir, "tls.crt"));
      expect(s).toContain("DNS:localhost");
      expect(s).toContain(`DNS:${FQDN}`);
      expect(s).toContain("DNS:rc-head-svc");
      expect(s).toContain("IP Address:127.0.0.1");
      expect(s).toContain("IP Address:10.244.1.7");
      expect(readdirSync(run.tlsDir).sort()).toEqual(["ca.crt", "tls.crt", "tls.key"]);
      expect(existsSync(path.join(run.tlsDir, "ca.key"))).toBe(false);
      expect(statSync(path.join(run.tlsDir, "tls.key")).mode & 0o777).toBe(0o600);
      expect(readFileSync(path.join(run.tlsDir, "ca.crt"), "utf8")).toBe(readFileSync(path.join(run.caDir, "ca.crt"), "utf8"));
      const key = readFileSync(path.join(run.tlsDir, "tls.key"), "utf8");
      expect(key).toMatch(/BEGIN PRIVATE KEY/);
      const text = execFileSync("openssl", ["x509", "-in", path.join(run.tlsDir, "tls.crt"), "-noout", "-text"], { encoding: "utf8" });
      expect(text).toMatch(keyType === "rsa-2048" ? /rsaEncryption[\s\S]*2048 bit/ : /id-ecPublicKey[\s\S]*P-256/);
      expect(text).toMatch(/CA:FALSE/);
      expect(text).toMatch(/TLS Web Server Authentication, TLS Web Client Authentication/);
    });
  }

  it("head: gRPC C-core's peer-name check accepts the FQDN, and the short name only when added (seed Step 4)", () => {
    const plain = runScript("head");
    expect(plain.status).toBe(0);
    const pem = readFileSync(path.join(plain.tlsDir, "tls.crt"), "utf8");
    expect(checkPeerName(FQDN, pem).ok).toBe(true);
    expect(checkPeerName("10.244.1.7", pem).ok).toBe(true);
    const short = checkPeerName(headServiceName(NAME), pem);
    expect(short.ok).toBe(false);
    expect(short.message).toMatch(/Peer name rc-head-svc is not in peer certificate/);
  });

  it("a re-run over the same TLS_DIR keeps a fitting certificate and re-issues one for another pod IP (issue 11)", () => {
    const run = runScript("head");
    expect(run.status, run.stderr).toBe(0);
    const cert = readFileSync(path.join(run.tlsDir, "tls.crt"), "utf8");
    const rerun = (podIp: string) =>
      spawnSync("sh", [path.join(path.dirname(run.tlsDir), "gencert_head.sh")], {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", TLS_DIR: run.tlsDir, CA_DIR: run.caDir, POD_IP: podIp, FQ_RAY_IP: FQDN },
        encoding: "utf8",
      });
    const again = rerun("10.244.1.7");
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/raytls: kept .*tls\.crt: it still fits this pod/);
    expect(readFileSync(path.join(run.tlsDir, "tls.crt"), "utf8")).toBe(cert);
    const moved = rerun("10.244.1.8");
    expect(moved.status, moved.stderr).toBe(0);
    expect(moved.stdout).toMatch(/raytls: issued /);
    expect(sans(path.join(run.tlsDir, "tls.crt"))).toContain("IP Address:10.244.1.8");
    // A key that is not the certificate's is never kept.
    writeFileSync(path.join(run.tlsDir, "tls.key"), readFileSync(path.join(run.caDir, "ca.key")));
    expect(rerun("10.244.1.8").stdout).toMatch(/raytls: issued /);
  });

  it("worker: verifies as server and client, SANs localhost, 127.0.0.1 and its pod IP only", () => {
    const run = runScript("worker", { env: { FQ_RAY_IP: undefined } });
    expect(run.status).toBe(0);
    expect(verify(run, "sslserver")).toMatch(/OK/);
    expect(verify(run, "sslclient")).toMatch(/OK/);
    const s = sans(path.join(run.tlsDir, "tls.crt"));
    expect(s.replace(/\s+/g, " ").trim()).toBe("X509v3 Subject Alternative Name: DNS:localhost, IP Address:127.0.0.1, IP Address:10.244.1.7");
    expect(existsSync(path.join(run.tlsDir, "ca.key"))).toBe(false);
    expect(readdirSync(run.caDir).sort()).toEqual(["ca.crt", "ca.key"]);
  });

  it("two runs give different random serials (no serial file next to the CA)", () => {
    const a = runScript("worker");
    const b = runScript("worker");
    const serial = (r: Run) => execFileSync("openssl", ["x509", "-in", path.join(r.tlsDir, "tls.crt"), "-noout", "-serial"], { encoding: "utf8" });
    expect(serial(a)).toMatch(/^serial=[0-9A-F]{30,34}\n$/);
    expect(serial(a)).not.toBe(serial(b));
  });

  it("fails (set -u) without POD_IP, and the head fails without FQ_RAY_IP, writing no certificate", () => {
    const noIp = runScript("worker", { env: { POD_IP: undefined } });
    expect(noIp.status).not.toBe(0);
    expect(noIp.stderr).toMatch(/POD_IP is not set/);
    expect(existsSync(path.join(noIp.tlsDir, "tls.crt"))).toBe(false);
    const noFqdn = runScript("head", { env: { FQ_RAY_IP: undefined } });
    expect(noFqdn.status).not.toBe(0);
    expect(noFqdn.stderr).toMatch(/FQ_RAY_IP is not set/);
  });

  it("is POSIX sh with set -eu and umask 077, and refuses a --head-dns that is not a DNS name", () => {
    const s = gencertScript("head");
    expect(s.startsWith("#!/bin/sh\n")).toBe(true);
    expect(s).toMatch(/^set -eu$/m);
    expect(s).toMatch(/^umask 077$/m);
    expect(s).not.toMatch(/ca\.key"? +"?\$TLS_DIR/);
    expect(() => gencertScript("head", { headDns: ["x; rm -rf /"] })).toThrow(/not a valid DNS name/);
    if (spawnSync("dash", ["-n", "/dev/null"]).status === 0) {
      const f = path.join(tmp.fresh(), "s.sh");
      writeFileSync(f, s);
      expect(spawnSync("dash", ["-n", f], { encoding: "utf8" }).status).toBe(0);
    }
  });

  it("raytls verify --host accepts the head certificate for the FQDN, not the short name", async () => {
    const run = runScript("head");
    const ok = await runCli(["verify", "--ca-cert", path.join(run.caDir, "ca.crt"), "--cert", path.join(run.tlsDir, "tls.crt"), "--host", FQDN], { cwd: run.tlsDir });
    expect(ok.code, ok.err).toBe(0);
    const bad = await runCli(["verify", "--ca-cert", path.join(run.caDir, "ca.crt"), "--cert", path.join(run.tlsDir, "tls.crt"), "--host", "rc-head-svc"], { cwd: run.tlsDir });
    expect(bad.code).toBe(1);
  });
});
