/**
 * Inputs the fuzz targets (fuzz/targets.ts) found that raytls accepted and openssl refused; each
 * must now be a RaytlsError (bad input), as openssl has it.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RaytlsError } from "../../src/errors.js";
import { parseCertificate } from "../../src/pki/certificate.js";
import { parseCsrDer } from "../../src/pki/csr.js";
import { makeTempDir } from "../helpers/temp-dir.js";

// An RSA CSR whose outer signatureAlgorithm parameters are a constructed NULL (tag 0x25).
const CSR_CONSTRUCTED_NULL = "308202e1308201c902010030493127302506035504030c1e686561642e64656661756c742e7376632e636c75737465722e6c6f63616c310d300b060355040b0c0468656164310f300d060355040a0c06726179746c7330820122300d06092a864886f70d01010105000382010f003082010a0282010100adcdbcc777d48ccb3e66c7aeb51c272cf778c1b5a4f972d56def81a0b2efb35a82264d75527c5b75333194b695c10d44fe0317fef38a75acca2955164199454e7d12249c75e41d3f1c35bdb037bf89d98465e14d6d7a1c0fcd9f47743a72275f6622d4257e26afebc1659553b881b2dbceb162decff3fb90f8f254441fe786f03e02482e887fe8bfe2fda553c9f94a98fa8b1ef7775f4b24aca0fa67dbaf1f01c8ab5cb18cdd802cca88e37866a8bd3ab4c1eeb02495b410c4e2ea48af1f3de21cde9baf3e8ee7ae79bec0b254c72b4d4c6f1b5401f6a30af99c2ea872091a18c60d0adf9c7a8c02e24374be9c8e37523b633ecf70ea84bc03198691e6d0d7c10203010001a053305106092a864886f70d01090e3144304230400603551d110439303782096c6f63616c686f7374821e686561642e64656661756c742e7376632e636c75737465722e6c6f63616c87047f00000187040a010204300d06092a864886f70d01010b2500038201010051c272f9fdf75aecd1106bec9b92c74df0230e35fd0f1d79d2efaf577d74ec31684472d2d3e4276316f439ab3705664997dd8bee6fb68e4f9da7dfbcdba8820c2f39145fe3dae0ecf53878288e2416623fff5cd2f2a94d416ece85b9146052b347af52a838979af852fe88ca4fcc686ffe6d6adcc2af7441a51c71eb8eead7de1b8d7a462577397d11a5def0e7803080003f16ffa154c24bd7556bc5fe9a97c5ae9f1d21cd4d91428e4b2d2fd481e0719d3d4a08d2a983d33c17b8fe0d7c0654ac6e6d7ed369f40ef6aab2b914c46e411c00f34700660248fed39db29e2a555debeda34cdcc68a14db922c3fc2ac50ada1a082ee10db50c719c4e0675eb673a7";
// A certificate whose [1] issuerUniqueID is not a valid BIT STRING (first octet 0xc2 unused bits).
const CERT_BAD_UNIQUE_ID = "30820224308201c9a0030201020210651c802c5deb7309ce9184250a730a21300a06082a8648ce3d04030230193117301506035504030c0e726179746c732066757a7a204341301e170d3236313133303232323631385a170d3237313133303232333131385a30493127302506035504030c1e686561642e64656661756c742e7376632e636c75737465722e6c6f63616c310d300b060355040b0c0468656164310f300d060355040a0c06726179746c733059301306072a8648ce3d020106082a8648ce3d03010703420004a94aa719cf555564c9640637174db452ee9ccc88d70bec77e5f3739735d05149dd28d7b4d20985eb28e4f75bcecfa1547d7c684028fa7f0dc6141a7d5f6714908181c23081bf300c0603551d130101ff04023000300e0603551d0f0101ff040403020780301d0603551d250416301406082b0601050507030106082b0601050507030230400603551d110439303782096c6f63616c686f7374821e686561642e64656661756c742e7376632e636c75737465722e6c6f63616c87047f00000187040a010204301d0603551d0e04160414d7e068bb6f8b2461dc9fc0e31762b6cca3c7e628301f0603551d23041830168014aa3cf3def86a9e6d082a6326af3cabab1ce48ba3300a06082a8648ce3d0403020349003046022100b1b7086012bda1bac3f67827603bcd36812bf75e7fdc7fd4e5b2b06f8d1a29130221008ebc2bf6b176ed8c92eac474d311366e9666bc1f47d48ab4bc04c5bb0a315da3";

function opensslRefuses(args: string[], der: Buffer): boolean {
  const { dir, cleanup } = makeTempDir("raytls-fuzz-reg-");
  try {
    const f = path.join(dir, "in.der");
    writeFileSync(f, der);
    execFileSync("openssl", [...args, "-in", f], { stdio: "pipe" });
    return false;
  } catch {
    return true;
  } finally {
    cleanup();
  }
}

describe("fuzz findings stay fixed", () => {
  it("CSR with a constructed NULL as signature parameters: refused, as openssl refuses it", () => {
    const der = Buffer.from(CSR_CONSTRUCTED_NULL, "hex");
    expect(opensslRefuses(["req", "-inform", "DER", "-noout"], der)).toBe(true);
    expect(() => parseCsrDer(der, "csr")).toThrow(RaytlsError);
    expect(() => parseCsrDer(der, "csr")).toThrow(/parameters/);
  });

  it("certificate with a malformed issuerUniqueID: refused, as openssl refuses it", () => {
    const der = Buffer.from(CERT_BAD_UNIQUE_ID, "hex");
    expect(opensslRefuses(["x509", "-inform", "DER", "-noout"], der)).toBe(true);
    expect(() => parseCertificate(der, "cert")).toThrow(RaytlsError);
    expect(() => parseCertificate(der, "cert")).toThrow(/issuerUniqueID/);
  });
});
