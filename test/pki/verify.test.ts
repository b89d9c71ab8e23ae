/**
 * verifyCertificate (src/pki/verify.ts) on certificates made in-process at fixed dates, plus
 * openssl-made leaves for EKU variants and an intermediate chain; loadCa's refusals and codes.
 * The CLI side of `raytls verify` against openssl is in test/pki/openssl-interop.test.ts.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { RaytlsError } from "../../src/errors.js";
import { createCa, loadCa, type LoadedCa, type PemPair } from "../../src/pki/ca.js";
import { issueLeaf, issuePodCert } from "../../src/pki/issue.js";
import { generateKey } from "../../src/pki/keys.js";
import { verifyCertificate, parsePurpose, type VerifyReport } from "../../src/pki/verify.js";
import { openssl, opensslCa, opensslLeaf } from "../helpers/openssl.js";
import { useTempDir } from "../helpers/temp-dir.js";

const NOW = new Date("2026-01-01T00:00:00Z");
const DAY = 86_400_000;
const at = (days: number): Date => new Date(NOW.getTime() + days * DAY);
const HEAD_FQDN = "raycluster-tls-head-svc.default.svc.cluster.local";

const tmp = useTempDir("raytls-verify-");
const read = (f: string): string => readFileSync(f, "utf8");

let caA: PemPair;
let ca: LoadedCa;
let caOther: PemPair;
let caTwin: PemPair;
let head: PemPair;
let worker: PemPair;
let twinLeaf: PemPair;
let os: Record<string, { cert: string; key: string }>;

beforeAll(async () => {
  caA = await createCa({ now: NOW });
  ca = loadCa(caA.certPem, caA.keyPem, undefined, NOW);
  caOther = await createCa({ now: NOW, subject: "/CN=other CA/O=elsewhere" });
  // Same subject as caA (the default), another key.
  caTwin = await createCa({ now: NOW });
  head = issuePodCert({ ca, role: "head", podIp: "10.244.0.5", headFqdn: HEAD_FQDN, now: NOW });
  worker = issuePodCert({ ca, role: "worker", podIp: "10.244.0.7", now: NOW });
  twinLeaf = issuePodCert({ ca: loadCa(caTwin.certPem, caTwin.keyPem, undefined, NOW), role: "worker", podIp: "10.244.0.7", now: NOW });

  const d = tmp.dir;
  const osCa = opensslCa(d, "os-ca", { subj: "/CN=openssl test CA" });
  os = {
    ca: osCa,
    serverOnly: opensslLeaf(d, "server-only", osCa, { san: "DNS:a.example.com", eku: "serverAuth", days: 90 }),
    clientOnly: opensslLeaf(d, "client-only", osCa, { san: "DNS:a.example.com", eku: "clientAuth", days: 90 }),
    noEku: opensslLeaf(d, "no-eku", osCa, { san: "DNS:a.example.com", eku: "", days: 90 }),
    anyEku: opensslLeaf(d, "any-eku", osCa, { san: "DNS:a.example.com", eku: "anyExtendedKeyUsage", days: 90 }),
    both: opensslLeaf(d, "both", osCa, { san: "DNS:a.example.com", days: 90 }),
    keyAgreement: opensslLeaf(d, "key-agreement", osCa, { san: "DNS:a.example.com", keyUsage: "keyAgreement", days: 90 }),
    noSan: opensslLeaf(d, "no-san", osCa, { cn: "nosan.example.com", days: 90 }),
  };
  // An intermediate CA (CA:TRUE, keyCertSign) signed by the openssl root.
  const intKey = path.join(d, "int.key");
  const intCsr = path.join(d, "int.csr");
  const intExt = path.join(d, "int.ext");
  const intCrt = path.join(d, "int.crt");
  execFileSync("openssl", ["req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-subj", "/CN=openssl intermediate CA", "-keyout", intKey, "-out", intCsr], { stdio: "pipe" });
  writeFileSync(intExt, "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n");
  execFileSync("openssl", ["x509", "-req", "-in", intCsr, "-CA", osCa.cert, "-CAkey", osCa.key, "-set_serial", "0x1234", "-days", "365", "-sha256", "-extfile", intExt, "-out", intCrt], { stdio: "pipe" });
  os.int = { cert: intCrt, key: intKey };
  os.viaInt = opensslLeaf(d, "via-int", os.int, { san: "DNS:via-int.example.com,IP:10.9.9.9", days: 90 });

  // CA certificates raytls must refuse to sign with.
  const weak = { cert: path.join(d, "weak.crt"), key: path.join(d, "weak.key") };
  execFileSync("openssl", ["req", "-x509", "-nodes", "-newkey", "rsa:1024", "-subj", "/CN=weak", "-days", "30", "-keyout", weak.key, "-out", weak.cert], { stdio: "pipe" });
  os.weak = weak;
  const noCertSign = { cert: path.join(d, "nocertsign.crt"), key: path.join(d, "nocertsign.key") };
  execFileSync(
    "openssl",
    ["req", "-x509", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-subj", "/CN=no certsign", "-days", "30", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,digitalSignature", "-keyout", noCertSign.key, "-out", noCertSign.cert],
    { stdio: "pipe" },
  );
  os.noCertSign = noCertSign;
});


const failed = (r: VerifyReport): string[] => r.checks.filter((c) => !c.ok).map((c) => `${c.check}: ${c.message}`);

describe("the good path", () => {
  it("a head certificate from its CA, with its key and every name it is dialed by: ok, no warnings", () => {
    const r = verifyCertificate({
      caPem: caA.certPem,
      certPem: head.certPem,
      keyPem: head.keyPem,
      hosts: [HEAD_FQDN, `${HEAD_FQDN}:6379`, "127.0.0.1", "10.244.0.5", "10.244.0.5:6379", "localhost", "LOCALHOST"],
      at: at(1),
    });
    expect(failed(r)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([]);
    expect(r.checks.map((c) => c.check)).toEqual(["chain", "validity", "purpose", "key", "host", "host", "host", "host", "host", "host", "host"]);
    expect(r.checks[0]!.message).toBe("signed by CN=raytls CA, O=raytls");
    expect(r.checks[1]!.message).toBe("valid until 2027-01-01T00:00:00.000Z");
    expect(r.checks[2]!.message).toBe("usable as server and client certificate (EKU serverAuth, clientAuth)");
    expect(r.checks[3]!.message).toBe("--key matches the certificate (ECDSA P-256)");
    expect(r.checks[4]!.message).toBe(`${HEAD_FQDN} matches (as gRPC C-core judges it)`);
    expect(r.sans).toEqual(["DNS:localhost", `DNS:${HEAD_FQDN}`, "IP:127.0.0.1", "IP:10.244.0.5"]);
    expect(r.subject).toBe(`CN=${HEAD_FQDN}, OU=head, O=raytls`);
    expect(r.notAfter).toBe("2027-01-01T00:00:00.000Z");
  });

  it("file names given in `files` appear in the messages", () => {
    const r = verifyCertificate({ caPem: caA.certPem, certPem: worker.certPem, keyPem: worker.keyPem, at: at(1), files: { key: "/etc/ray/tls/tls.key" } });
    expect(r.checks.find((c) => c.check === "key")!.message).toBe("/etc/ray/tls/tls.key matches the certificate (ECDSA P-256)");
  });

  it("an RSA pod certificate says so", () => {
    const rsa = issuePodCert({ ca, role: "worker", podIp: "10.0.0.1", keyType: "rsa-2048", now: NOW });
    const r = verifyCertificate({ caPem: caA.certPem, certPem: rsa.certPem, keyPem: rsa.keyPem, at: at(1) });
    expect(r.ok).toBe(true);
    expect(r.checks.find((c) => c.check === "key")!.message).toMatch(/\(RSA 2048\)$/);
  });

  it("a CA bundle with the right CA second still chains", () => {
    const r = verifyCertificate({ caPem: caOther.certPem + caA.certPem, certPem: worker.certPem, at: at(1) });
    expect(r.ok).toBe(true);
  });
});

describe("validity window, judged at `at`", () => {
  it("expired the moment after notAfter, fine at notAfter itself", () => {
    const notAfter = new Date("2027-01-01T00:00:00Z");
    expect(verifyCertificate({ caPem: caA.certPem, certPem: worker.certPem, at: notAfter }).ok).toBe(true);
    const r = verifyCertificate({ caPem: caA.certPem, certPem: worker.certPem, at: new Date(notAfter.getTime() + 1) });
    expect(r.ok).toBe(false);
    expect(failed(r)).toEqual(["validity: certificate expired on 2027-01-01T00:00:00.000Z"]);
    expect(r.checks.find((c) => !c.ok)!.hint).toMatch(/restart the Ray pods/);
  });

  it("not yet valid before notBefore (5 minutes back-dated), fine within the back-dating", () => {
    expect(verifyCertificate({ caPem: caA.certPem, certPem: worker.certPem, at: new Date("2025-12-31T23:56:00Z") }).ok).toBe(true);
    const r = verifyCertificate({ caPem: caA.certPem, certPem: worker.certPem, at: new Date("2025-12-31T23:54:59Z") });
    // The CA was made at the same moment, so it is not valid yet either.
    expect(failed(r)).toEqual(["validity: certificate is not valid before 2025-12-31T23:55:00.000Z", "validity: CA CN=raytls CA, O=raytls is not valid before 2025-12-31T23:55:00.000Z"]);
  });

  it("an expired CA fails the chain's validity; a leaf asked to outlive it ends with it (issue 13)", async () => {
    const shortCa = await createCa({ now: NOW, days: 10 });
    const leaf = issuePodCert({ ca: loadCa(shortCa.certPem, shortCa.keyPem, undefined, NOW), role: "worker", podIp: "10.0.0.2", now: NOW });
    expect(leaf.clampedToCa?.caNotAfter.toISOString()).toBe("2026-01-11T00:00:00.000Z");
    expect(leaf.notAfter.toISOString()).toBe("2026-01-11T00:00:00.000Z");
    expect(verifyCertificate({ caPem: shortCa.certPem, certPem: leaf.certPem, at: at(5) }).ok).toBe(true);
    const r = verifyCertificate({ caPem: shortCa.certPem, certPem: leaf.certPem, at: at(20) });
    expect(failed(r)).toEqual(["validity: certificate expired on 2026-01-11T00:00:00.000Z", "validity: CA CN=raytls CA, O=raytls expired on 2026-01-11T00:00:00.000Z"]);
  });
});

describe("chain", () => {
  it("a certificate from another CA fails, naming both", () => {
    const r = verifyCertificate({ caPem: caOther.certPem, certPem: worker.certPem, at: at(1) });
    expect(r.ok).toBe(false);
    expect(failed(r)).toEqual(["chain: certificate verify failed: issued by CN=raytls CA, O=raytls, not by the CA in --ca (CN=other CA, O=elsewhere)"]);
  });

  it("a CA with the right name but another key fails: the signature is checked, not just the name", () => {
    const r = verifyCertificate({ caPem: caA.certPem, certPem: twinLeaf.certPem, at: at(1) });
    expect(r.ok).toBe(false);
    // raytls leaves carry an authority key id, so the twin is told apart before the signature.
    expect(failed(r)).toEqual([expect.stringMatching(/^chain: certificate verify failed: issuer CN=raytls CA, O=raytls has the CA's name, but the authority key identifier [0-9a-f]{40} does not match its subject key identifier [0-9a-f]{40}/)]);
    // And the other way round.
    expect(verifyCertificate({ caPem: caTwin.certPem, certPem: worker.certPem, at: at(1) }).ok).toBe(false);
    expect(verifyCertificate({ caPem: caTwin.certPem, certPem: twinLeaf.certPem, at: at(1) }).ok).toBe(true);
  });

  it("a leaf passed as the CA is named as not a CA", () => {
    const r = verifyCertificate({ caPem: worker.certPem, certPem: head.certPem, at: at(1), files: { ca: "ca.crt" } });
    expect(r.ok).toBe(false);
    const caCheck = r.checks.find((c) => c.check === "ca")!;
    expect(caCheck.ok).toBe(false);
    expect(caCheck.message).toBe("ca.crt: CN=10.244.0.7, OU=worker, O=raytls is not a CA certificate (no basicConstraints CA:TRUE)");
    expect(r.checks.find((c) => c.check === "chain")!.ok).toBe(false);
  });

  describe("through an intermediate (openssl-made)", () => {
    it("leaf + intermediate in the certificate file chain to the root", () => {
      const bundle = read(os.viaInt!.cert) + read(os.int!.cert);
      const r = verifyCertificate({ caPem: read(os.ca!.cert), certPem: bundle, keyPem: read(os.viaInt!.key), hosts: ["via-int.example.com", "10.9.9.9"] });
      expect(failed(r)).toEqual([]);
      expect(r.checks[0]!.message).toBe("signed by CN=openssl test CA through 1 intermediate(s)");
      // openssl agrees.
      const bundleFile = path.join(tmp.dir, "bundle.crt");
      writeFileSync(bundleFile, bundle);
      const o = openssl(["verify", "-CAfile", os.ca!.cert, "-untrusted", os.int!.cert, "-purpose", "sslserver", os.viaInt!.cert]);
      expect(o.code, o.err).toBe(0);
    });

    it("without the intermediate the leaf does not chain to the root (as openssl agrees)", () => {
      const r = verifyCertificate({ caPem: read(os.ca!.cert), certPem: read(os.viaInt!.cert) });
      expect(r.ok).toBe(false);
      expect(failed(r)).toEqual(["chain: certificate verify failed: issued by CN=openssl intermediate CA, not by the CA in --ca (CN=openssl test CA)"]);
      expect(openssl(["verify", "-CAfile", os.ca!.cert, os.viaInt!.cert]).code).not.toBe(0);
    });

    it("trusting the intermediate directly needs no bundle", () => {
      const r = verifyCertificate({ caPem: read(os.int!.cert), certPem: read(os.viaInt!.cert) });
      expect(failed(r)).toEqual([]);
      expect(r.checks[0]!.message).toBe("signed by CN=openssl intermediate CA");
    });

    it("raytls issues from an openssl intermediate too", () => {
      const intCa = loadCa(read(os.int!.cert), read(os.int!.key), { cert: "int.crt", key: "int.key" });
      const leaf = issuePodCert({ ca: intCa, role: "worker", podIp: "10.1.1.1" });
      const r = verifyCertificate({ caPem: read(os.ca!.cert), certPem: leaf.certPem + read(os.int!.cert), keyPem: leaf.keyPem, hosts: ["10.1.1.1"] });
      expect(failed(r)).toEqual([]);
      expect(r.checks[0]!.message).toMatch(/through 1 intermediate/);
    });
  });
});

describe("key match", () => {
  it("another pod's key fails with a hint", () => {
    const r = verifyCertificate({ caPem: caA.certPem, certPem: head.certPem, keyPem: worker.keyPem, at: at(1), files: { key: "tls.key" } });
    expect(r.ok).toBe(false);
    expect(failed(r)).toEqual(["key: tls.key does not match the certificate's public key"]);
    expect(r.checks.find((c) => c.check === "key")!.hint).toMatch(/made together with this tls\.crt/);
  });

  it("an unreadable key throws a RaytlsError naming the file", () => {
    expect(() => verifyCertificate({ caPem: caA.certPem, certPem: head.certPem, keyPem: "nope", at: at(1), files: { key: "tls.key" } })).toThrow("tls.key: no PEM private key found");
  });
});

describe("hosts, as gRPC C-core judges them", () => {
  it("the short Service name fails with gRPC's words, the SANs and a hint", () => {
    const r = verifyCertificate({ caPem: caA.certPem, certPem: head.certPem, hosts: ["raycluster-tls-head-svc"], at: at(1) });
    expect(r.ok).toBe(false);
    const h = r.checks.find((c) => c.check === "host")!;
    expect(h.message).toBe(`Peer name raycluster-tls-head-svc is not in peer certificate; it has DNS:localhost, DNS:${HEAD_FQDN}, IP:127.0.0.1, IP:10.244.0.5`);
    expect(h.hint).toMatch(/short form of raycluster-tls-head-svc\.default/);
    expect(h.host?.ok).toBe(false);
  });

  it("a worker certificate does not carry the head FQDN; another pod IP fails with an --ip hint", () => {
    const r = verifyCertificate({ caPem: caA.certPem, certPem: worker.certPem, hosts: [HEAD_FQDN, "10.244.0.8", "10.244.0.7"], at: at(1) });
    expect(failed(r)).toEqual([`host: Peer name ${HEAD_FQDN} is not in peer certificate; it has DNS:localhost, IP:127.0.0.1, IP:10.244.0.7`, "host: Peer name 10.244.0.8 is not in peer certificate; it has DNS:localhost, IP:127.0.0.1, IP:10.244.0.7"]);
    expect(r.checks.filter((c) => c.check === "host")[1]!.hint).toMatch(/--ip 10\.244\.0\.8/);
  });

  it("wildcard SANs match one label only", () => {
    const key = generateKey("ecdsa-p256");
    const leaf = issueLeaf({ ca, publicKey: key.spki, sans: [{ type: "dns", value: "*.apps.example.com" }], now: NOW });
    const r = verifyCertificate({ caPem: caA.certPem, certPem: leaf.certPem, hosts: ["x.apps.example.com", "x.y.apps.example.com", "apps.example.com"], at: at(1) });
    expect(r.checks.filter((c) => c.check === "host").map((c) => c.ok)).toEqual([true, false, false]);
  });
});

describe("warnings never change ok", () => {
  it("no SAN: CN-only certificate still verifies, with a warning", () => {
    const r = verifyCertificate({ caPem: read(os.ca!.cert), certPem: read(os.noSan!.cert), hosts: ["nosan.example.com"] });
    expect(failed(r)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.warnings).toContain("no subjectAltName: gRPC matches the CN (nosan.example.com) only for DNS names, never for IP addresses");
    expect(r.sans).toEqual([]);
  });

  it("long validity (> 398 days)", () => {
    const key = generateKey("ecdsa-p256");
    const leaf = issueLeaf({ ca, publicKey: key.spki, sans: [{ type: "dns", value: "long.example.com" }], days: 825, now: NOW });
    const r = verifyCertificate({ caPem: caA.certPem, certPem: leaf.certPem, at: at(1) });
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual(["valid for 825 days; pod certificates are best kept short (raytls default 365) since Ray never reloads them"]);
    // 397 days (plus the 5-minute back-dating) is not "long".
    const ok397 = issueLeaf({ ca, publicKey: key.spki, sans: [{ type: "dns", value: "long.example.com" }], days: 397, now: NOW });
    expect(verifyCertificate({ caPem: caA.certPem, certPem: ok397.certPem, at: at(1) }).warnings).toEqual([]);
  });

  it("expiring within 30 days", () => {
    const r = verifyCertificate({ caPem: caA.certPem, certPem: worker.certPem, at: new Date("2026-12-22T00:00:00Z") });
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual(["expires in 10 days (2027-01-01T00:00:00.000Z)"]);
    expect(verifyCertificate({ caPem: caA.certPem, certPem: worker.certPem, at: new Date("2026-12-01T00:00:00Z") }).warnings).toEqual([]);
    // Once expired it is a failure, not a warning.
    const expired = verifyCertificate({ caPem: caA.certPem, certPem: worker.certPem, at: at(400) });
    expect(expired.ok).toBe(false);
    expect(expired.warnings).toEqual([]);
  });

  it("warnings ride along with failures without changing them", () => {
    const key = generateKey("ecdsa-p256");
    const leaf = issueLeaf({ ca, publicKey: key.spki, sans: [{ type: "dns", value: "long.example.com" }], days: 825, now: NOW });
    const r = verifyCertificate({ caPem: caOther.certPem, certPem: leaf.certPem, at: at(1) });
    expect(r.ok).toBe(false);
    expect(r.warnings).toHaveLength(1);
  });

  it("a CA certificate presented as a leaf: warned, and refused for TLS by its key usage", () => {
    const r = verifyCertificate({ caPem: caA.certPem, certPem: caA.certPem, at: at(1) });
    expect(r.warnings).toContain("this is a CA certificate; a pod should present its own leaf certificate");
    expect(failed(r)).toEqual(["purpose: key usage (keyCertSign, cRLSign) allows neither digitalSignature nor keyEncipherment: no TLS handshake can use it"]);
  });
});

describe("purpose: server, client, both", () => {
  const PURPOSES = ["server", "client", "both"] as const;
  it.each([
    ["serverOnly", [true, false, false]],
    ["clientOnly", [false, true, false]],
    ["both", [true, true, true]],
    ["noEku", [true, true, true]],
    ["anyEku", [true, true, true]],
    ["keyAgreement", [false, false, false]],
  ] as const)("openssl leaf %s -> server/client/both = %j", (id, want) => {
    const got = PURPOSES.map((purpose) => verifyCertificate({ caPem: read(os.ca!.cert), certPem: read(os[id]!.cert), purpose }).ok);
    expect(got).toEqual(want);
  });

  it("the failing usage is named, and openssl agrees", () => {
    const s = verifyCertificate({ caPem: read(os.ca!.cert), certPem: read(os.serverOnly!.cert) });
    expect(failed(s)).toEqual(["purpose: extended key usage lacks clientAuth, so gRPC refuses it as a client certificate"]);
    const c = verifyCertificate({ caPem: read(os.ca!.cert), certPem: read(os.clientOnly!.cert), purpose: "server" });
    expect(failed(c)).toEqual(["purpose: extended key usage lacks serverAuth, so gRPC refuses it as a server certificate"]);
    expect(openssl(["verify", "-CAfile", os.ca!.cert, "-purpose", "sslclient", os.serverOnly!.cert]).code).not.toBe(0);
    expect(openssl(["verify", "-CAfile", os.ca!.cert, "-purpose", "sslserver", os.serverOnly!.cert]).code).toBe(0);
    expect(openssl(["verify", "-CAfile", os.ca!.cert, "-purpose", "sslserver", os.clientOnly!.cert]).code).not.toBe(0);
  });

  it("messages for passing purposes", () => {
    expect(verifyCertificate({ caPem: read(os.ca!.cert), certPem: read(os.noEku!.cert) }).checks.find((c) => c.check === "purpose")!.message).toBe("usable as server and client certificate (EKU absent: any)");
    expect(verifyCertificate({ caPem: read(os.ca!.cert), certPem: read(os.serverOnly!.cert), purpose: "server" }).checks.find((c) => c.check === "purpose")!.message).toBe("usable as server certificate (EKU serverAuth)");
    expect(verifyCertificate({ caPem: read(os.ca!.cert), certPem: read(os.anyEku!.cert), purpose: "client" }).checks.find((c) => c.check === "purpose")!.message).toBe("usable as client certificate (EKU any)");
  });

  it("raytls pod certificates pass all three", () => {
    for (const purpose of PURPOSES) expect(verifyCertificate({ caPem: caA.certPem, certPem: head.certPem, purpose, at: at(1) }).ok).toBe(true);
  });

  it("parsePurpose", () => {
    expect(parsePurpose("client")).toBe("client");
    expect(() => parsePurpose("Both")).toThrow(/unknown purpose "Both"/);
  });
});

describe("loadCa refusals", () => {
  const codeOf = (fn: () => unknown): string | undefined => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(RaytlsError);
      expect((err as RaytlsError).exitCode).toBe(2);
      return (err as RaytlsError).code;
    }
    return undefined;
  };
  const where = { cert: "ca.crt", key: "ca.key" };

  it("a good CA loads, with its subject and key id for the leaves", () => {
    const l = loadCa(caA.certPem, caA.keyPem, where, at(1));
    expect(l.cert.basicConstraints).toEqual({ ca: true, pathLength: 0, critical: true });
    expect(Buffer.from(l.keyId).toString("hex")).toBe(l.cert.subjectKeyId);
    expect(Buffer.from(l.subjectDer).equals(Buffer.from(l.cert.subject.der))).toBe(true);
  });

  it("not a CA (a pod certificate)", () => {
    expect(codeOf(() => loadCa(head.certPem, head.keyPem, where, at(1)))).toBe("not-a-ca");
    expect(() => loadCa(head.certPem, head.keyPem, where, at(1))).toThrow("ca.crt: this certificate is not a CA (basicConstraints CA:TRUE is missing)");
  });

  it("CA:TRUE without keyCertSign", () => {
    expect(codeOf(() => loadCa(read(os.noCertSign!.cert), read(os.noCertSign!.key), where))).toBe("not-a-ca");
    expect(() => loadCa(read(os.noCertSign!.cert), read(os.noCertSign!.key), where)).toThrow(/keyUsage lacks keyCertSign/);
  });

  it("expired, and not yet valid", () => {
    expect(codeOf(() => loadCa(caA.certPem, caA.keyPem, where, at(3651)))).toBe("ca-not-valid");
    expect(() => loadCa(caA.certPem, caA.keyPem, where, at(3651))).toThrow("ca.crt: the CA expired on 2035-12-30T00:00:00.000Z");
    expect(codeOf(() => loadCa(caA.certPem, caA.keyPem, where, at(-1)))).toBe("ca-not-valid");
    expect(() => loadCa(caA.certPem, caA.keyPem, where, at(-1))).toThrow("ca.crt: the CA is not valid before 2025-12-31T23:55:00.000Z");
  });

  it("a key that is not the CA's", () => {
    expect(codeOf(() => loadCa(caA.certPem, caOther.keyPem, where, at(1)))).toBe("key-mismatch");
    expect(() => loadCa(caA.certPem, caTwin.keyPem, where, at(1))).toThrow("ca.key does not belong to ca.crt");
  });

  it("a weak (RSA-1024) key, refused before anything else", () => {
    expect(codeOf(() => loadCa(read(os.weak!.cert), read(os.weak!.key), where))).toBe("weak-key");
    expect(() => loadCa(read(os.weak!.cert), read(os.weak!.key), where)).toThrow("ca.key: RSA key of 1024 bits is too weak");
  });

  it("no key, and no certificate", () => {
    expect(codeOf(() => loadCa(caA.certPem, caA.certPem, where, at(1)))).toBe("not-a-key");
    expect(codeOf(() => loadCa(caA.keyPem, caA.keyPem, where, at(1)))).toBe("not-a-certificate");
  });
});
