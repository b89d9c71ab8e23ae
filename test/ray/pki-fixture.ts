/**
 * Certificates for the ray tests, made with src/pki (the CA and pod certificates the lab uses)
 * and with the openssl CLI for the deliberately wrong ones (serverAuth-only EKU), written to a
 * temporary directory that `cleanup()` removes.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { createCa, loadCa } from "../../src/pki/ca.js";
import { issuePodCert } from "../../src/pki/issue.js";
import { makeTempDir } from "../helpers/temp-dir.js";

export interface Files {
  cert: string;
  key: string;
  ca: string;
}

export interface PkiFixture {
  dir: string;
  caCert: string;
  head: Files;
  worker: Files;
  /** Signed by another CA. */
  otherCa: Files;
  /** EKU serverAuth only (openssl CLI). */
  serverAuthOnly: Files;
  /** Expired a year ago. */
  expired: Files;
  cleanup(): void;
}

export const FQDN = "raycluster-tls-head-svc.default.svc.cluster.local";
export const SHORT = "raycluster-tls-head-svc";

export async function makePki(headIp = "127.0.0.1", workerIp = "127.0.0.1"): Promise<PkiFixture> {
  const { dir, cleanup } = makeTempDir("raytls-ray-test-");
  const write = (name: string, data: string) => {
    const p = join(dir, name);
    writeFileSync(p, data, { mode: 0o600 });
    return p;
  };
  const ca = await createCa({ days: 30 });
  const caCert = write("ca.crt", ca.certPem);
  write("ca.key", ca.keyPem);
  const loaded = loadCa(ca.certPem, ca.keyPem);
  const pod = (name: string, o: Parameters<typeof issuePodCert>[0]): Files => {
    const p = issuePodCert(o);
    return { cert: write(`${name}.crt`, p.certPem), key: write(`${name}.key`, p.keyPem), ca: caCert };
  };
  const head = pod("head", { ca: loaded, role: "head", podIp: headIp, headFqdn: FQDN });
  const worker = pod("worker", { ca: loaded, role: "worker", podIp: workerIp });
  const past = new Date(Date.now() - 400 * 86400_000);
  const expired = pod("expired", { ca: loaded, role: "worker", podIp: workerIp, days: 30, now: past });

  const other = await createCa({ days: 30 });
  const otherLoaded = loadCa(other.certPem, other.keyPem);
  const o = issuePodCert({ ca: otherLoaded, role: "worker", podIp: workerIp });
  const otherCa: Files = { cert: write("other.crt", o.certPem), key: write("other.key", o.keyPem), ca: caCert };

  // serverAuth-only: openssl CLI, signed by the good CA.
  const ext = write("sa.ext", `subjectAltName=IP:${workerIp},DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
  const saKey = join(dir, "server-auth-only.key");
  const saCsr = join(dir, "server-auth-only.csr");
  const saCrt = join(dir, "server-auth-only.crt");
  execFileSync("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", saKey, "-subj", "/CN=server-auth-only", "-out", saCsr], { stdio: "ignore" });
  execFileSync("openssl", ["x509", "-req", "-in", saCsr, "-CA", caCert, "-CAkey", join(dir, "ca.key"), "-CAcreateserial", "-days", "5", "-extfile", ext, "-out", saCrt], { stdio: "ignore" });
  return {
    dir,
    caCert,
    head,
    worker,
    otherCa,
    serverAuthOnly: { cert: saCrt, key: saKey, ca: caCert },
    expired,
    cleanup,
  };
}
