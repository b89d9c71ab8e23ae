/** parseCsr (DER reader + node:crypto) agrees with @peculiar/x509, on raytls's and openssl's CSRs. */
import "reflect-metadata";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createCsr, parseCsr } from "../../src/pki/csr.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { x509 } from "../helpers/x509-oracle.js";
import { decodeGeneralNames } from "../../src/pki/san.js";
import { decodeName } from "../../src/pki/distinguished-name.js";
import * as der from "../../src/pki/der.js";

const tmp = useTempDir("raytls-csr-");

function opensslCsr(keyArgs: string[], san: string): string {
  const dir = tmp.fresh();
  execFileSync("openssl", ["req", "-new", "-nodes", ...keyArgs, "-keyout", path.join(dir, "k.pem"), "-subj", "/CN=x", ...(san ? ["-addext", `subjectAltName=${san}`] : []), "-out", path.join(dir, "r.csr")], { stdio: "pipe" });
  return readFileSync(path.join(dir, "r.csr"), "utf8");
}

describe("parseCsr", () => {
  it("reads the same key and names as @peculiar/x509: raytls ecdsa-p256, ecdsa-p384, rsa-2048; openssl EC and RSA", async () => {
    const csrs = [
      (await createCsr({ role: "head", podIp: "10.0.0.5", headFqdn: "rc-head-svc.default.svc.cluster.local", dns: ["rc-head-svc"] })).csrPem,
      (await createCsr({ role: "worker", podIp: "fd00::7", keyType: "ecdsa-p384" })).csrPem,
      (await createCsr({ role: "worker", podIp: "10.0.0.6", keyType: "rsa-2048" })).csrPem,
      opensslCsr(["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"], "DNS:localhost,IP:127.0.0.1,IP:10.0.0.8"),
      opensslCsr(["-newkey", "rsa:2048"], "DNS:localhost,IP:10.0.0.9"),
    ];
    for (const pem of csrs) {
      const ours = parseCsr(pem, "csr");
      const theirs = new x509.Pkcs10CertificateRequest(pem);
      expect(await theirs.verify()).toBe(true);
      expect(Buffer.from(ours.spki).equals(Buffer.from(theirs.publicKey.rawData))).toBe(true);
      const sanExt = theirs.extensions.find((e) => e.type === "2.5.29.17")!;
      const raw = new Uint8Array(sanExt.value);
      expect(ours.sans).toEqual(decodeGeneralNames(raw, der.read(raw), "san", (b, n, p) => decodeName(b, n, p).text));
      expect(ours.subject.replace(/, /g, "+")).toBe(theirs.subject.replace(/, /g, "+"));
    }
  });

  it("refuses a tampered request, garbage, and a request without SANs", async () => {
    const { csrPem } = await createCsr({ role: "worker", podIp: "10.0.0.5" });
    const der = Buffer.from(csrPem.replace(/-----[^-]+-----|\s/g, ""), "base64");
    // Change the pod IP inside the signed part: 10.0.0.5 -> 10.0.0.6.
    const at = der.indexOf(Buffer.from([0x87, 0x04, 10, 0, 0, 5]));
    expect(at).toBeGreaterThan(0);
    der[at + 5] = 6;
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString("base64").replace(/.{64}/g, "$&\n")}\n-----END CERTIFICATE REQUEST-----\n`;
    expect(() => parseCsr(tampered, "csr")).toThrow(/signature does not verify/);
    expect(await new x509.Pkcs10CertificateRequest(tampered).verify()).toBe(false);
    expect(() => parseCsr("garbage", "csr")).toThrow(/no PEM certificate request/);
    const noSan = opensslCsr(["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"], "");
    expect(() => parseCsr(noSan, "csr")).toThrow(/asks for no subjectAltName/);
  });
});
