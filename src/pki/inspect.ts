/**
 * `raytls inspect` (seed Step 1-2, `openssl x509 -noout -text` made readable): what a certificate,
 * CSR or key file holds, as data. Read by the one strict reader (certificate.ts): a file it refuses
 * is a bad-input error naming the field, never a parser's exception (issue 13), and a SAN it
 * cannot decode makes the certificate unreadable rather than a list of names openssl would not show.
 * test/pki/inspect.test.ts and openssl-interop.test.ts hold it against openssl.
 */
import { createHash, createPrivateKey, createPublicKey } from "node:crypto";
import { RaytlsError } from "../errors.js";
import { serialText } from "./certificate.js";
import { readCertificateDer } from "./certificate-reader.js";
import { parseCsrDer } from "./csr.js";
import { describeKey, parsePrivateKey } from "./keys.js";
import { ekuName, SIGNATURE_ALGORITHMS } from "./oids.js";
import { parsePem, type PemBlock } from "./pem.js";
import { formatSan, sanStrings } from "./san.js";

export interface CertificateInfo {
  kind: "certificate";
  subject: string;
  issuer: string;
  selfSigned: boolean;
  serial: string;
  notBefore: string;
  notAfter: string;
  /** Days left at inspection time (negative once expired). */
  daysLeft: number;
  key: string;
  keyBits: number;
  signatureAlgorithm: string;
  sans: string[];
  keyUsage: string[] | null;
  extKeyUsage: string[] | null;
  basicConstraints: { ca: boolean; pathLength?: number; critical: boolean } | null;
  subjectKeyId: string | null;
  authorityKeyId: string | null;
  sha256Fingerprint: string;
}

export interface CsrInfo {
  kind: "csr";
  subject: string;
  key: string;
  keyBits: number;
  sans: string[];
  signatureValid: true;
  ignoredBySigning: string[];
}

export interface KeyInfo {
  kind: "private-key";
  format: "PKCS#8" | "PKCS#1" | "SEC1";
  key: string;
  keyBits: number;
  /** SHA-256 of the public key (SPKI): equal for a key and its certificate. */
  publicKeySha256: string;
}

export type Inspected = (CertificateInfo | CsrInfo | KeyInfo) & { file: string; line: number };

const colonHex = (h: string): string => h.toUpperCase().match(/../g)?.join(":") ?? "";

/** One DER certificate as data; `where` names it in errors (bad-certificate, exit 2). */
export function inspectCertificate(derBytes: Uint8Array, now = new Date(), where = "certificate"): CertificateInfo {
  const cert = readCertificateDer(derBytes, where);
  let k: ReturnType<typeof describeKey>;
  try {
    k = describeKey(createPublicKey({ key: Buffer.from(cert.publicKey.spki), format: "der", type: "spki" }));
  } catch (err) {
    throw new RaytlsError("bad-certificate", `${where}: certificate.tbsCertificate.subjectPublicKeyInfo: the key cannot be loaded (${err instanceof Error ? err.message : String(err)})`, { hint: "the file is damaged, or holds a key type raytls does not know", cause: err });
  }
  const bc = cert.basicConstraints;
  return {
    kind: "certificate",
    subject: cert.subject.text,
    issuer: cert.issuer.text,
    selfSigned: Buffer.compare(cert.subject.der, cert.issuer.der) === 0,
    serial: serialText(cert.serial),
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    daysLeft: Math.floor((cert.notAfter.getTime() - now.getTime()) / 86_400_000),
    key: k.label,
    keyBits: k.bits,
    signatureAlgorithm: SIGNATURE_ALGORITHMS[cert.signatureAlgorithmOid]?.name ?? cert.signatureAlgorithmOid,
    sans: sanStrings(cert.sans),
    keyUsage: cert.keyUsage ?? null,
    extKeyUsage: cert.extKeyUsage ? cert.extKeyUsage.map(ekuName) : null,
    basicConstraints: bc ? { ca: bc.ca, ...(bc.pathLength !== undefined ? { pathLength: bc.pathLength } : {}), critical: bc.critical } : null,
    subjectKeyId: cert.subjectKeyId ? colonHex(cert.subjectKeyId) : null,
    authorityKeyId: cert.authorityKeyId ? colonHex(cert.authorityKeyId) : null,
    sha256Fingerprint: colonHex(createHash("sha256").update(derBytes).digest("hex")),
  };
}

async function inspectBlock(block: PemBlock, file: string, now: Date): Promise<Inspected | undefined> {
  const where = `${file}:${block.line}`;
  switch (block.label) {
    case "CERTIFICATE":
      return { ...inspectCertificate(block.der, now, where), file, line: block.line };
    case "CERTIFICATE REQUEST":
    case "NEW CERTIFICATE REQUEST": {
      const csr = parseCsrDer(block.der, where);
      const k = describeKey(createPublicKey({ key: Buffer.from(csr.spki), format: "der", type: "spki" }));
      return { kind: "csr", subject: csr.subject, key: k.label, keyBits: k.bits, sans: csr.sans.map(formatSan), signatureValid: true, ignoredBySigning: csr.ignored, file, line: block.line };
    }
    case "PRIVATE KEY":
    case "RSA PRIVATE KEY":
    case "EC PRIVATE KEY":
    case "ENCRYPTED PRIVATE KEY": {
      const pem = `-----BEGIN ${block.label}-----\n${Buffer.from(block.der).toString("base64")}\n-----END ${block.label}-----\n`;
      const key = parsePrivateKey(pem, where);
      const k = describeKey(key);
      const spki = createPublicKey(createPrivateKey(pem)).export({ type: "spki", format: "der" });
      const format = block.label === "PRIVATE KEY" ? "PKCS#8" : block.label === "RSA PRIVATE KEY" ? "PKCS#1" : "SEC1";
      return { kind: "private-key", format, key: k.label, keyBits: k.bits, publicKeySha256: colonHex(createHash("sha256").update(spki).digest("hex")), file, line: block.line };
    }
    default:
      return undefined;
  }
}

/** Everything inspectable in one file's text (PEM, or a single DER certificate). */
export async function inspectText(text: string | Uint8Array, file: string, now = new Date()): Promise<Inspected[]> {
  const str = typeof text === "string" ? text : Buffer.from(text).toString("latin1");
  const { blocks, broken } = parsePem(str);
  if (broken.length > 0) {
    const b = broken[0]!;
    throw new RaytlsError("bad-pem", `${file}:${b.line}: ${b.label} block ${b.why}`, { hint: "the file is damaged or truncated; copy it again" });
  }
  if (blocks.length === 0 && typeof text !== "string" && text[0] === 0x30) {
    return [{ ...inspectCertificate(text, now, file), file, line: 0 }];
  }
  const out: Inspected[] = [];
  for (const b of blocks) {
    const r = await inspectBlock(b, file, now);
    if (r) out.push(r);
  }
  if (out.length === 0) {
    throw new RaytlsError("nothing-to-inspect", `${file}: no certificate, certificate request or private key found`, {
      hint: "pass a PEM file such as ca.crt, tls.crt, tls.key or a .csr",
    });
  }
  return out;
}
