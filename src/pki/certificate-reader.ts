/**
 * Certificates from PEM files: each block through the one strict reader (certificate.ts), with
 * errors that name the file, the block's line and the field (`tls.crt:1: certificate.tbsCertificate
 * .validity.notBefore: month 13 does not exist`).
 */
import { RaytlsError } from "../errors.js";
import { parseCertificate, type Certificate } from "./certificate.js";
import { parsePem } from "./pem.js";

/** A certificate from trusted or untrusted bytes, errors as `bad-certificate` (exit 2). */
export function readCertificateDer(bytes: Uint8Array, where = "certificate"): Certificate {
  try {
    return parseCertificate(bytes, where);
  } catch (err) {
    if (err instanceof RaytlsError) {
      throw new RaytlsError("bad-certificate", `not a readable X.509 certificate: ${err.message}`, {
        hint: "the file is damaged or truncated, or was made by a non-conforming encoder; copy it again or re-issue it",
        cause: err,
      });
    }
    throw err;
  }
}

/** Every certificate in a PEM file, in order; errors name the file and the line of a bad block. */
export function readCertificatesPem(text: string, where: string): Certificate[] {
  const { blocks, broken } = parsePem(text);
  const bad = broken.find((b) => b.label.includes("CERTIFICATE"));
  if (bad) {
    throw new RaytlsError("bad-pem", `${where}:${bad.line}: ${bad.label} block ${bad.why}`, {
      hint: "the file is damaged or truncated; copy it again or re-issue it",
    });
  }
  const certs = blocks.filter((b) => b.label === "CERTIFICATE");
  if (certs.length === 0) {
    const found = blocks.map((b) => b.label);
    throw new RaytlsError("not-a-certificate", `${where}: no PEM certificate found${found.length ? ` (found ${found.join(", ")})` : ""}`, {
      hint: found.some((l) => l.includes("PRIVATE KEY")) ? "this looks like a key file; pass the certificate (.crt) here" : "expected a block starting with -----BEGIN CERTIFICATE-----",
    });
  }
  return certs.map((b) => readCertificateDer(b.der, `${where}:${b.line}`));
}

export function readCertificatePem(text: string, where: string): Certificate {
  return readCertificatesPem(text, where)[0]!;
}
