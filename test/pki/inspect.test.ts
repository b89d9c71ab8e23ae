/**
 * `inspect` on hostile certificates (issue 13): every failure is a bad-input RaytlsError (exit 2)
 * naming the field, never a parser's exception; a negative serial reads as openssl shows it; two
 * SAN extensions are refused; where openssl cannot decode a SAN, raytls claims no names.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { RaytlsError } from "../../src/errors.js";
import { createCa, loadCa, type LoadedCa } from "../../src/pki/ca.js";
import * as der from "../../src/pki/der.js";
import { inspectText } from "../../src/pki/inspect.js";
import { checkPeerName } from "../../src/pki/peer-name.js";
import { verifyCertificate } from "../../src/pki/verify.js";
import { buildLeaf, ext } from "../helpers/cert-builder.js";
import { runCli } from "../helpers/cli.js";
import { openssl } from "../helpers/openssl.js";
import { useTempDir } from "../helpers/temp-dir.js";

const tmp = useTempDir("raytls-inspect-");
let ca: LoadedCa;
beforeAll(async () => {
  const p = await createCa({ subject: "/CN=inspect CA" });
  ca = loadCa(p.certPem, p.keyPem);
});

const file = (name: string, pem: string): string => {
  const f = path.join(tmp.dir, name);
  writeFileSync(f, pem);
  return f;
};

async function refusal(pem: string): Promise<RaytlsError> {
  try {
    await inspectText(pem, "x.crt");
  } catch (err) {
    expect(err).toBeInstanceOf(RaytlsError);
    expect((err as RaytlsError).exitCode).toBe(2);
    return err as RaytlsError;
  }
  throw new Error("inspect accepted it");
}

describe("inspect: hostile certificates", () => {
  it("a negative serial is shown as openssl shows it (-5), not as its two's complement (fb)", async () => {
    const c = buildLeaf(ca, { serial: der.tlv(0x02, Uint8Array.of(0xfb)) });
    const [info] = await inspectText(c.certPem, "neg.crt");
    expect(info).toMatchObject({ kind: "certificate", serial: "-5" });
    const o = openssl(["x509", "-noout", "-text", "-in", file("neg.crt", c.certPem)]);
    expect(o.out).toMatch(/Serial Number: -5 \(-0x5\)/);
  });

  it("two subjectAltName extensions are refused, naming the second", async () => {
    const c = buildLeaf(ca, { extensions: (b) => [...b, ext("2.5.29.17", false, der.sequence(der.implicit(2, new TextEncoder().encode("evil.example"))))] });
    const e = await refusal(c.certPem);
    expect(e.message).toMatch(/x\.crt:1: certificate\.tbsCertificate\.extensions\[6\]\(subjectAltName\): the extension appears twice/);
  });

  it("a UTCTime without seconds is a bad-input error naming notBefore (was RangeError: Invalid time value)", async () => {
    const c = buildLeaf(ca, { notBefore: der.tlv(0x17, new TextEncoder().encode("2501010000Z")) });
    expect((await refusal(c.certPem)).message).toMatch(/certificate\.tbsCertificate\.validity\.notBefore: UTCTime "2501010000Z" is not YYMMDDHHMMSSZ/);
  });

  it("an empty issuer is refused naming the issuer (was TypeError)", async () => {
    const c = buildLeaf(ca, { issuer: der.sequence() });
    expect((await refusal(c.certPem)).message).toMatch(/certificate\.tbsCertificate\.issuer: the issuer name is empty/);
  });

  it("a SAN openssl cannot decode: openssl shows no names, raytls refuses instead of claiming any", async () => {
    // GeneralNames whose length claims 5 bytes more than it holds.
    const name = der.implicit(2, new TextEncoder().encode("claimed.example"));
    const bad = Uint8Array.of(0x30, name.length + 5, ...name);
    const c = buildLeaf(ca, { extensions: (b) => b.map((e, i) => (i === 3 ? ext("2.5.29.17", false, bad) : e)) });
    const o = openssl(["x509", "-noout", "-ext", "subjectAltName", "-in", file("badsan.crt", c.certPem)]);
    expect(o.out).not.toContain("DNS:claimed.example");
    expect((await refusal(c.certPem)).message).toMatch(/extensions\[3\]\(subjectAltName\)/);
  });

  it("the CLI: exit 2 and the field on stderr", async () => {
    const c = buildLeaf(ca, { notBefore: der.tlv(0x17, new TextEncoder().encode("251301000000Z")) });
    const r = await runCli(["inspect", file("month13.crt", c.certPem)]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/month13\.crt:1: certificate\.tbsCertificate\.validity\.notBefore: month 13 does not exist/);
  });

  it("every truncation and every single-byte change of a good certificate: a value or a RaytlsError, nothing else", async () => {
    const good = buildLeaf(ca).der;
    const inputs: Uint8Array[] = [];
    for (let n = 0; n < good.length; n++) inputs.push(good.subarray(0, n));
    for (let i = 0; i < good.length; i++) {
      for (const v of [0x00, 0x80, 0xff, good[i]! ^ 0x01]) {
        const m = new Uint8Array(good);
        m[i] = v;
        inputs.push(m);
      }
    }
    let refused = 0;
    for (const bytes of inputs) {
      try {
        await inspectText(bytes, "m.der");
      } catch (err) {
        if (!(err instanceof RaytlsError)) throw new Error(`raw exception on ${Buffer.from(bytes).toString("hex")}: ${String(err)}`);
        expect(err.exitCode).toBe(2);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(good.length);
  });

  it("an RSA-PSS certificate (SEQUENCE parameters) is read: names checked; verify refuses the unknown algorithm, never accepts it", async () => {
    const key = path.join(tmp.dir, "pss.key");
    const crt = path.join(tmp.dir, "pss.crt");
    const o = openssl(["req", "-x509", "-newkey", "rsa:2048", "-sigopt", "rsa_padding_mode:pss", "-sha256", "-nodes", "-keyout", key, "-out", crt, "-subj", "/CN=pss", "-addext", "subjectAltName=DNS:pss.example", "-days", "5"]);
    expect(o.code, o.err).toBe(0);
    const { readFileSync } = await import("node:fs");
    const pem = readFileSync(crt, "utf8");
    expect(checkPeerName("pss.example", pem).ok).toBe(true);
    const [info] = await inspectText(pem, "pss.crt");
    expect(info).toMatchObject({ signatureAlgorithm: "1.2.840.113549.1.1.10", sans: ["DNS:pss.example"] });
    const v = verifyCertificate({ caPem: pem, certPem: pem });
    expect(v.ok).toBe(false);
    expect(v.checks.find((c) => c.check === "chain")?.message).toMatch(/signature algorithm 1\.2\.840\.113549\.1\.1\.10 is not supported/);
  });
});
