/**
 * Issuing from a requested key (issue 13): the certificate carries the key re-encoded from the
 * parsed key object, never the caller's bytes, so a BER-encoded SPKI still yields a DER
 * certificate; and a leaf never outlives its CA.
 */
import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createCa, loadCa } from "../../src/pki/ca.js";
import { parseCertificate } from "../../src/pki/certificate.js";
import { issueLeaf } from "../../src/pki/issue.js";

const NOW = new Date("2026-01-01T00:00:00Z");

describe("issueLeaf", () => {
  it("re-encodes a non-DER SPKI (long-form length) into DER; the certificate reads strictly", async () => {
    const p = await createCa({ now: NOW });
    const ca = loadCa(p.certPem, p.keyPem, undefined, NOW);
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const spki = new Uint8Array(publicKey.export({ type: "spki", format: "der" }));
    expect(spki[1]).toBeLessThan(0x80);
    const ber = Uint8Array.of(0x30, 0x81, spki[1]!, ...spki.subarray(2));
    const cert = issueLeaf({ ca, publicKey: ber, sans: [{ type: "ip", value: "10.0.0.5" }], now: NOW });
    const parsed = parseCertificate(cert.der);
    expect(Buffer.from(parsed.publicKey.spki).equals(Buffer.from(spki))).toBe(true);
  });

  it("clamps to the CA's notAfter and says so; a leaf inside the CA's window is left alone", async () => {
    const p = await createCa({ now: NOW, days: 100 });
    const ca = loadCa(p.certPem, p.keyPem, undefined, NOW);
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const long = issueLeaf({ ca, publicKey, sans: [{ type: "ip", value: "10.0.0.5" }], now: NOW, days: 3650 });
    expect(long.notAfter.getTime()).toBe(ca.cert.notAfter.getTime());
    expect(long.clampedToCa?.requestedNotAfter.toISOString()).toBe("2035-12-30T00:00:00.000Z");
    expect(parseCertificate(long.der).notAfter.getTime()).toBe(ca.cert.notAfter.getTime());
    const short = issueLeaf({ ca, publicKey, sans: [{ type: "ip", value: "10.0.0.5" }], now: NOW, days: 30 });
    expect(short.clampedToCa).toBeUndefined();
    expect(short.notAfter.toISOString()).toBe("2026-01-31T00:00:00.000Z");
  });
});
