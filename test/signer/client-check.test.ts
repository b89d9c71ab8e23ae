/**
 * checkIssuedCertificate (src/signer/client.ts): what the signer sends back is read by the strict
 * reader (never Node's X509Certificate) and must be signed by --ca-cert and be for this pod's key.
 */
import { describe, expect, it } from "vitest";
import { createCa, loadCa } from "../../src/pki/ca.js";
import { issueLeaf } from "../../src/pki/issue.js";
import { generateKey } from "../../src/pki/keys.js";
import { checkIssuedCertificate } from "../../src/signer/client.js";

describe("checkIssuedCertificate", () => {
  it("accepts ours, refuses another CA's, another key's and garbage, as checks (exit 1)", async () => {
    const a = await createCa({ subject: "/CN=A" });
    const b = await createCa({ subject: "/CN=B" });
    const caA = loadCa(a.certPem, a.keyPem);
    const caB = loadCa(b.certPem, b.keyPem);
    const mine = generateKey("ecdsa-p256");
    const other = generateKey("ecdsa-p256");
    const sans = [{ type: "ip" as const, value: "10.0.0.5" }];
    const good = issueLeaf({ ca: caA, publicKey: mine.spki, sans }).certPem;
    expect(checkIssuedCertificate(good, a.certPem, mine.privatePem).sans).toEqual(sans);
    const cases: Array<[string, RegExp]> = [
      [issueLeaf({ ca: caB, publicKey: mine.spki, sans }).certPem, /not signed by --ca-cert/],
      [issueLeaf({ ca: caA, publicKey: other.spki, sans }).certPem, /not for this pod's key/],
      ["-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n", /not a certificate: .*certificate\.tbsCertificate: expected SEQUENCE/],
    ];
    for (const [pem, why] of cases) {
      expect(() => checkIssuedCertificate(pem, a.certPem, mine.privatePem)).toThrow(why);
      try {
        checkIssuedCertificate(pem, a.certPem, mine.privatePem);
      } catch (err) {
        expect((err as { code: string; exitCode: number }).code).toBe("signer-bad-cert");
        expect((err as { exitCode: number }).exitCode).toBe(1);
      }
    }
  });
});
