/**
 * `raytls inspect` (seed Step 1-2, `openssl x509 -noout -text` made readable): what a certificate,
 * CSR or key file holds, as data. Parsed with @peculiar/x509, independently of the DER writer that
 * issues raytls's own certificates, so inspect is also a second reader of what raytls makes.
 */
import { createHash, createPrivateKey, createPublicKey } from "node:crypto";
import { RaytlsError } from "../errors.js";
import { readCertificateDer } from "./certificate-reader.js";
import { parseCsr } from "./csr.js";
import { describeKey, parsePrivateKey } from "./keys.js";
import { parsePem, type PemBlock } from "./pem.js";
import { x509 } from "./x509-provider.js";

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

const EKU_NAMES: Record<string, string> = {
  "1.3.6.1.5.5.7.3.1": "serverAuth",
  "1.3.6.1.5.5.7.3.2": "clientAuth",
  "1.3.6.1.5.5.7.3.3": "codeSigning",
  "1.3.6.1.5.5.7.3.4": "emailProtection",
  "1.3.6.1.5.5.7.3.8": "timeStamping",
  "1.3.6.1.5.5.7.3.9": "OCSPSigning",
  "2.5.29.37.0": "any",
};
const KU = ["digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly"];
const SIG: Record<string, string> = {
  "1.2.840.10045.4.3.2": "ecdsa-with-SHA256",
  "1.2.840.10045.4.3.3": "ecdsa-with-SHA384",
  "1.2.840.10045.4.3.4": "ecdsa-with-SHA512",
  "1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
  "1.2.840.113549.1.1.12": "sha384WithRSAEncryption",
  "1.2.840.113549.1.1.13": "sha512WithRSAEncryption",
  "1.2.840.113549.1.1.5": "sha1WithRSAEncryption",
};

const colonHex = (h: string): string => h.toUpperCase().match(/../g)?.join(":") ?? "";
const sanText = (n: { type: string; value: string }): string => `${n.type === "dns" ? "DNS" : n.type === "ip" ? "IP" : n.type === "url" ? "URI" : n.type}:${n.value}`;

export function inspectCertificate(derBytes: Uint8Array, now = new Date()): CertificateInfo {
  const cert = new x509.X509Certificate(Buffer.from(derBytes));
  const pub = createPublicKey({ key: Buffer.from(cert.publicKey.rawData), format: "der", type: "spki" });
  const k = describeKey(pub);
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const ku = cert.getExtension(x509.KeyUsagesExtension);
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension);
  const aki = cert.getExtension(x509.AuthorityKeyIdentifierExtension);
  const sigOid = readCertificateDer(derBytes).signatureAlgorithmOid;
  return {
    kind: "certificate",
    subject: cert.subject,
    issuer: cert.issuer,
    selfSigned: cert.subject === cert.issuer,
    serial: colonHex(cert.serialNumber),
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    daysLeft: Math.floor((cert.notAfter.getTime() - now.getTime()) / 86_400_000),
    key: k.label,
    keyBits: k.bits,
    signatureAlgorithm: SIG[sigOid] ?? sigOid,
    sans: san ? san.names.toJSON().map(sanText) : [],
    keyUsage: ku ? KU.filter((_, i) => ku.usages & (1 << i)) : null,
    extKeyUsage: eku ? eku.usages.map((u) => EKU_NAMES[String(u)] ?? String(u)) : null,
    basicConstraints: bc ? { ca: bc.ca, ...(bc.pathLength !== undefined ? { pathLength: bc.pathLength } : {}), critical: bc.critical } : null,
    subjectKeyId: ski ? colonHex(ski.keyId) : null,
    authorityKeyId: aki?.keyId ? colonHex(aki.keyId) : null,
    sha256Fingerprint: colonHex(createHash("sha256").update(derBytes).digest("hex")),
  };
}

async function inspectBlock(block: PemBlock, file: string, now: Date): Promise<Inspected | undefined> {
  const where = `${file}:${block.line}`;
  switch (block.label) {
    case "CERTIFICATE":
      try {
        return { ...inspectCertificate(block.der, now), file, line: block.line };
      } catch (err) {
        throw new RaytlsError("bad-certificate", `${where}: not a readable X.509 certificate`, { hint: "the file is damaged or truncated", cause: err });
      }
    case "CERTIFICATE REQUEST":
    case "NEW CERTIFICATE REQUEST": {
      const pem = `-----BEGIN CERTIFICATE REQUEST-----\n${Buffer.from(block.der).toString("base64")}\n-----END CERTIFICATE REQUEST-----\n`;
      const csr = await parseCsr(pem, where);
      const k = describeKey(createPublicKey({ key: Buffer.from(csr.spki), format: "der", type: "spki" }));
      return { kind: "csr", subject: csr.subject, key: k.label, keyBits: k.bits, sans: csr.sans.map(sanText), signatureValid: true, ignoredBySigning: csr.ignored, file, line: block.line };
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
    return [{ ...inspectCertificate(text, now), file, line: 0 }];
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
