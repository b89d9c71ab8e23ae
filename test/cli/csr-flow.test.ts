/**
 * The seed's CSR flow for a CA kept elsewhere: `csr create` where the key lives, `csr sign` where
 * the CA lives (in-process runCli, temp dirs), judged by openssl; the leaf profile is applied
 * whatever the CSR asks; `inspect` on CSRs and on keys in PKCS#8, PKCS#1 and SEC1 form.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadCa } from "../../src/pki/ca.js";
import { verifyCertificate } from "../../src/pki/verify.js";
import { runCli, type CliResult } from "../helpers/cli.js";
import { openssl } from "../helpers/openssl.js";
import { useTempDir } from "../helpers/temp-dir.js";

const HEAD_FQDN = "raycluster-tls-head-svc.default.svc.cluster.local";
const tmp = useTempDir("raytls-csrflow-");
const D = (p: string): string => path.join(tmp.dir, p);
const mode = (f: string): number => statSync(f).mode & 0o777;
const ok = (r: CliResult, what: string): CliResult => {
  expect(r.code, `${what}\nstdout: ${r.out}\nstderr: ${r.err}`).toBe(0);
  return r;
};
const x509Text = (f: string): string => {
  const r = openssl(["x509", "-in", f, "-noout", "-text"]);
  expect(r.code, r.err).toBe(0);
  return r.out;
};
const ext = (f: string, name: string): string => {
  const r = openssl(["x509", "-in", f, "-noout", "-ext", name]);
  expect(r.code, r.err).toBe(0);
  return r.out.split("\n").slice(1).map((l) => l.trim()).filter(Boolean).join(" ");
};

beforeAll(async () => {
  mkdirSync(D("pod"));
  mkdirSync(D("signer"));
  ok(await runCli(["ca", "create", "--out", "signer/ca"], { cwd: tmp.dir }), "ca create");
});


describe("csr create, then csr sign on the CA side", () => {
  let created: CliResult;
  let signed: CliResult;

  beforeAll(async () => {
    created = await runCli(
      ["csr", "create", "--role", "head", "--pod-ip", "10.244.0.5", "--head-fqdn", HEAD_FQDN, "--dns", "raycluster-tls-head-svc", "--ip", "fd00::5", "--key-out", "pod/tls.key", "--csr-out", "pod/tls.csr", "--json"],
      { cwd: tmp.dir },
    );
    ok(created, "csr create");
    // Only the CSR travels to the CA side; the key is moved out of reach while signing.
    cpSync(D("pod/tls.csr"), D("signer/tls.csr"));
    mkdirSync(D("vault"));
    renameSync(D("pod/tls.key"), D("vault/tls.key"));
    try {
      signed = await runCli(["csr", "sign", "--csr", "tls.csr", "--ca-dir", "ca", "--cert-out", "tls.crt", "--days", "90", "--json"], { cwd: D("signer") });
    } finally {
      renameSync(D("vault/tls.key"), D("pod/tls.key"));
    }
    ok(signed, "csr sign");
  });

  it("csr create writes the key 0600 and the CSR 0644, and reports the SANs", () => {
    expect(mode(D("pod/tls.key"))).toBe(0o600);
    expect(mode(D("pod/tls.csr"))).toBe(0o644);
    const j = JSON.parse(created.out);
    expect(j).toMatchObject({ ok: true, role: "head", keyType: "ecdsa-p256", files: { key: D("pod/tls.key"), csr: D("pod/tls.csr") } });
    expect(j.sans).toEqual(["DNS:localhost", `DNS:${HEAD_FQDN}`, "DNS:raycluster-tls-head-svc", "IP:127.0.0.1", "IP:10.244.0.5", "IP:fd00::5"]);
  });

  it("the CSR holds no private key, verifies under openssl, and asks for those SANs", () => {
    const csr = readFileSync(D("pod/tls.csr"), "utf8");
    expect(csr).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----\n/);
    expect(csr).not.toMatch(/PRIVATE KEY/);
    const r = openssl(["req", "-in", D("pod/tls.csr"), "-noout", "-verify", "-text"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out + r.err).toMatch(/verify OK/i);
    expect(r.out).toContain(`DNS:localhost, DNS:${HEAD_FQDN}, DNS:raycluster-tls-head-svc, IP Address:127.0.0.1, IP Address:10.244.0.5, IP Address:FD00:0:0:0:0:0:0:5`);
  });

  it("the signer side never saw the key: its directory holds the CA, the CSR and the certificate only", () => {
    expect(readdirSync(D("signer")).sort()).toEqual(["ca", "tls.crt", "tls.csr"]);
    expect(readdirSync(D("signer/ca")).sort()).toEqual(["ca.crt", "ca.key"]);
    expect(signed.err).toBe("");
  });

  it("the certificate has the requested SANs, EKU serverAuth+clientAuth, CA:FALSE (critical)", () => {
    const crt = D("signer/tls.crt");
    expect(ext(crt, "subjectAltName")).toBe(`DNS:localhost, DNS:${HEAD_FQDN}, DNS:raycluster-tls-head-svc, IP Address:127.0.0.1, IP Address:10.244.0.5, IP Address:FD00:0:0:0:0:0:0:5`);
    expect(ext(crt, "extendedKeyUsage")).toBe("TLS Web Server Authentication, TLS Web Client Authentication");
    expect(ext(crt, "basicConstraints")).toBe("CA:FALSE");
    expect(x509Text(crt)).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
    expect(ext(crt, "keyUsage")).toBe("Digital Signature");
    const j = JSON.parse(signed.out);
    expect(j.sans).toEqual(["DNS:localhost", `DNS:${HEAD_FQDN}`, "DNS:raycluster-tls-head-svc", "IP:127.0.0.1", "IP:10.244.0.5", "IP:fd00::5"]);
    expect(j.ignored).toEqual([]);
    expect(j.file).toBe(crt);
    // --days 90
    const days = (new Date(j.notAfter).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThanOrEqual(90);
  });

  it("passes openssl verify -purpose sslserver and sslclient, and matches the key that stayed in the pod", () => {
    for (const purpose of ["sslserver", "sslclient"]) {
      const r = openssl(["verify", "-CAfile", D("signer/ca/ca.crt"), "-purpose", purpose, D("signer/tls.crt")]);
      expect(r.code, `${purpose}: ${r.out}${r.err}`).toBe(0);
    }
    const pubKey = openssl(["pkey", "-in", D("pod/tls.key"), "-pubout"]).out;
    const pubCert = openssl(["x509", "-in", D("signer/tls.crt"), "-noout", "-pubkey"]).out;
    expect(pubKey).toMatch(/BEGIN PUBLIC KEY/);
    expect(pubCert).toBe(pubKey);
    const r = verifyCertificate({ caPem: readFileSync(D("signer/ca/ca.crt"), "utf8"), certPem: readFileSync(D("signer/tls.crt"), "utf8"), keyPem: readFileSync(D("pod/tls.key"), "utf8"), hosts: [HEAD_FQDN, "raycluster-tls-head-svc", "10.244.0.5", "fd00::5"] });
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
  });

  it("the CA key stays 0400 and the certificate is 0644", () => {
    expect(mode(D("signer/ca/ca.key"))).toBe(0o400);
    expect(mode(D("signer/tls.crt"))).toBe(0o644);
  });

  it("signing again without --force is refused and leaves the certificate alone; --force replaces it", async () => {
    const before = readFileSync(D("signer/tls.crt"), "utf8");
    const r = await runCli(["csr", "sign", "--csr", "tls.csr", "--ca-dir", "ca", "--cert-out", "tls.crt"], { cwd: D("signer") });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/refusing to overwrite .*tls\.crt/);
    expect(readFileSync(D("signer/tls.crt"), "utf8")).toBe(before);
    ok(await runCli(["csr", "sign", "--csr", "tls.csr", "--ca-dir", "ca", "--cert-out", "tls.crt", "--force"], { cwd: D("signer") }), "sign --force");
    expect(readFileSync(D("signer/tls.crt"), "utf8")).not.toBe(before);
  });

  it("an RSA CSR gets keyEncipherment too", async () => {
    ok(await runCli(["csr", "create", "--role", "worker", "--pod-ip", "10.244.0.9", "--key-type", "rsa-2048", "--key-out", "pod/rsa.key", "--csr-out", "pod/rsa.csr"], { cwd: tmp.dir }), "csr create rsa");
    ok(await runCli(["csr", "sign", "--csr", "pod/rsa.csr", "--ca-dir", "signer/ca", "--cert-out", "pod/rsa.crt"], { cwd: tmp.dir }), "csr sign rsa");
    expect(ext(D("pod/rsa.crt"), "keyUsage")).toBe("Digital Signature, Key Encipherment");
    expect(ext(D("pod/rsa.crt"), "subjectAltName")).toBe("DNS:localhost, IP Address:127.0.0.1, IP Address:10.244.0.9");
    expect(mode(D("pod/rsa.key"))).toBe(0o600);
  });
});

describe("openssl CSRs asking for more than a leaf", () => {
  beforeAll(() => {
    execFileSync(
      "openssl",
      [
        "req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-subj", "/CN=evil",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-addext", "extendedKeyUsage=serverAuth,codeSigning",
        "-addext", "subjectAltName=DNS:evil.example.com,IP:10.0.0.66,URI:spiffe://cluster/evil",
        "-keyout", D("evil.key"), "-out", D("evil.csr"),
      ],
      { stdio: "pipe" },
    );
    execFileSync("openssl", ["req", "-new", "-nodes", "-newkey", "rsa:1024", "-subj", "/CN=weak", "-addext", "subjectAltName=DNS:weak.example.com", "-keyout", D("weak.key"), "-out", D("weak.csr")], { stdio: "pipe" });
  });

  it("CA:TRUE and extra usages are ignored: the leaf profile is applied, and stderr says what was ignored", async () => {
    const r = ok(await runCli(["csr", "sign", "--csr", "evil.csr", "--ca-dir", "signer/ca", "--cert-out", "evil.crt"], { cwd: tmp.dir }), "sign evil");
    const crt = D("evil.crt");
    expect(ext(crt, "basicConstraints")).toBe("CA:FALSE");
    expect(ext(crt, "extendedKeyUsage")).toBe("TLS Web Server Authentication, TLS Web Client Authentication");
    expect(ext(crt, "keyUsage")).toBe("Digital Signature");
    expect(ext(crt, "subjectAltName")).toBe("DNS:evil.example.com, IP Address:10.0.0.66");
    expect(r.err).toMatch(/^note: the CSR also asked for .*; signing applies the leaf profile and ignored it\n$/);
    for (const part of ["CA:TRUE", "extension 2.5.29.15", "extension 2.5.29.37", "URI SAN spiffe://cluster/evil"]) expect(r.err).toContain(part);
    // It cannot act as a CA: openssl refuses a chain through it, raytls refuses to load it as one.
    expect(openssl(["verify", "-CAfile", D("signer/ca/ca.crt"), "-purpose", "sslclient", crt]).code).toBe(0);
    expect(() => loadCa(readFileSync(crt, "utf8"), readFileSync(D("evil.key"), "utf8"))).toThrow(/not a CA/);
  });

  it("an RSA-1024 key is refused: exit 2, \"too weak\", nothing written", async () => {
    const r = await runCli(["csr", "sign", "--csr", "weak.csr", "--ca-dir", "signer/ca", "--cert-out", "weak.crt"], { cwd: tmp.dir });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/weak\.csr: the requested key: RSA key of 1024 bits is too weak/);
    expect(r.err).toMatch(/hint: /);
    expect(existsSync(D("weak.crt"))).toBe(false);
    expect(r.out).toBe("");
  });
});

describe("inspect: CSRs and keys", () => {
  const sha256Colon = (b: Buffer): string => createHash("sha256").update(b).digest("hex").toUpperCase().match(/../g)!.join(":");
  const spkiSha = (keyFile: string): string => sha256Colon(execFileSync("openssl", ["pkey", "-in", keyFile, "-pubout", "-outform", "DER"]));

  beforeAll(() => {
    execFileSync("openssl", ["ec", "-in", D("pod/tls.key"), "-out", D("pod/sec1.key")], { stdio: "pipe" });
    execFileSync("openssl", ["genrsa", "-traditional", "-out", D("pkcs1.key"), "2048"], { stdio: "pipe" });
  });

  it("a raytls CSR, text", async () => {
    const r = ok(await runCli(["inspect", "pod/tls.csr"], { cwd: tmp.dir }), "inspect csr");
    expect(r.out).toContain("pod/tls.csr:1: certificate request (signature verified)\n");
    expect(r.out).toMatch(new RegExp(`^  Subject\\s+CN=${HEAD_FQDN.replace(/\./g, "\\.")}, OU=head, O=raytls$`, "m"));
    expect(r.out).toMatch(/^ {2}Key\s+ECDSA P-256$/m);
    expect(r.out).toMatch(new RegExp(`^  Requested SANs\\s+DNS:localhost, DNS:${HEAD_FQDN.replace(/\./g, "\\.")}, DNS:raycluster-tls-head-svc, IP:127\\.0\\.0\\.1, IP:10\\.244\\.0\\.5, IP:fd00::5$`, "m"));
    expect(r.out).not.toContain("Ignored by signing");
  });

  it("an openssl CSR asking for CA:TRUE, --json and text", async () => {
    const j = JSON.parse(ok(await runCli(["inspect", "evil.csr", "--json"], { cwd: tmp.dir }), "inspect evil").out);
    expect(j).toHaveLength(1);
    expect(j[0]).toMatchObject({ kind: "csr", subject: "CN=evil", key: "ECDSA P-256", keyBits: 256, sans: ["DNS:evil.example.com", "IP:10.0.0.66"], signatureValid: true, file: "evil.csr", line: 1 });
    expect(j[0].ignoredBySigning).toEqual(expect.arrayContaining(["CA:TRUE", "extension 2.5.29.37", "URI SAN spiffe://cluster/evil"]));
    const t = ok(await runCli(["inspect", "evil.csr"], { cwd: tmp.dir }), "inspect evil text");
    expect(t.out).toMatch(/^ {2}Ignored by signing\s+.*CA:TRUE/m);
  });

  it.each([
    ["pod/tls.key", "PKCS#8", "ECDSA P-256", 256],
    ["pod/sec1.key", "SEC1", "ECDSA P-256", 256],
    ["pod/rsa.key", "PKCS#8", "RSA 2048", 2048],
    ["pkcs1.key", "PKCS#1", "RSA 2048", 2048],
  ] as const)("key %s: %s %s (text and --json)", async (file, format, key, bits) => {
    const head = readFileSync(D(file), "utf8").split("\n")[0];
    expect(head).toBe(format === "PKCS#8" ? "-----BEGIN PRIVATE KEY-----" : format === "SEC1" ? "-----BEGIN EC PRIVATE KEY-----" : "-----BEGIN RSA PRIVATE KEY-----");
    const t = ok(await runCli(["inspect", file], { cwd: tmp.dir }), `inspect ${file}`);
    expect(t.out).toContain(`${file}:1: private key (${format}, unencrypted)\n`);
    expect(t.out).toMatch(new RegExp(`^  Key\\s+${key}$`, "m"));
    expect(t.out).toMatch(new RegExp(`^  Public key SHA-256\\s+${spkiSha(D(file))}$`, "m"));
    const j = JSON.parse(ok(await runCli(["inspect", file, "--json"], { cwd: tmp.dir }), `inspect ${file} --json`).out);
    expect(j).toEqual([{ kind: "private-key", format, key, keyBits: bits, publicKeySha256: spkiSha(D(file)), file, line: 1 }]);
  });

  it("a key in SEC1 and PKCS#8 form has the same public key fingerprint, as does the certificate signed for it", async () => {
    const j = JSON.parse(ok(await runCli(["inspect", "pod/tls.key", "pod/sec1.key", "signer/tls.crt", "--json"], { cwd: tmp.dir }), "inspect three").out);
    expect(j.map((i: { kind: string }) => i.kind)).toEqual(["private-key", "private-key", "certificate"]);
    expect(j[0].publicKeySha256).toBe(j[1].publicKeySha256);
    const certSpki = execFileSync("openssl", ["x509", "-in", D("signer/tls.crt"), "-noout", "-pubkey"]);
    writeFileSync(D("cert.pub"), certSpki);
    expect(sha256Colon(execFileSync("openssl", ["pkey", "-pubin", "-in", D("cert.pub"), "-outform", "DER"]))).toBe(j[0].publicKeySha256);
  });
});
