/**
 * Whether a pod's existing tls.crt / tls.key / ca.crt can stay (issue 11): an init container re-runs
 * over a surviving emptyDir after a container restart, and must neither crash-loop ("refusing to
 * overwrite") nor churn certificates. The files stay when they are still a valid certificate for
 * this pod's identity: same role, same SANs, issued by this CA (with this CA's ca.crt beside it), the
 * key is the certificate's, usable as server and client, and not near expiry. Anything else is a
 * reason to re-issue, given back in words.
 */
import type { KeyObject } from "node:crypto";
import { RaytlsError } from "../errors.js";
import type { Certificate } from "./certificate.js";
import { readCertificatePem } from "./certificate-reader.js";
import { OID, RDN_ATTRIBUTES } from "./oids.js";
import { signedBy } from "./signature.js";
import type { KeyType } from "./key-types.js";
import { describeKey, parsePrivateKey, sameBytes, spkiOf } from "./keys.js";
import type { Role } from "./pod-identity.js";
import { formatSans, type San } from "./san.js";

/**
 * "Near expiry": less than a third of the certificate's lifetime left (cert-manager's default
 * renewBefore), so a 365-day certificate is renewed in its last ~122 days, a 1-day one in its last 8 h.
 */
export const RENEW_WHEN_LEFT = 1 / 3;

export interface ExistingPodFiles {
  certPem: string;
  keyPem: string;
  caPem: string;
}

export interface ReuseQuery {
  existing: ExistingPodFiles;
  /** The CA this run would issue with (its certificate). */
  caCertPem: string;
  role: Role;
  /** The SANs this run would ask for. */
  sans: San[];
  keyType: KeyType;
  /** Default is now. */
  now?: Date;
}

export type ReuseVerdict = { keep: true; notAfter: Date; serialHex: string; sans: San[]; renewAfter: Date } | { keep: false; reason: string };

/** The raytls key type of a key, or undefined for one raytls does not make. */
export function keyTypeOf(key: KeyObject): KeyType | undefined {
  const d = describeKey(key);
  if (d.algorithm === "ECDSA") return d.curve === "P-256" ? "ecdsa-p256" : d.curve === "P-384" ? "ecdsa-p384" : undefined;
  if (d.algorithm === "RSA" && [2048, 3072, 4096].includes(d.bits)) return `rsa-${d.bits}` as KeyType;
  return undefined;
}

const sanKey = (s: San): string => `${s.type}:${s.type === "dns" ? s.value.toLowerCase() : s.value}`;

function sameSans(a: San[], b: San[]): boolean {
  const x = a.map(sanKey).sort();
  const y = b.map(sanKey).sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** The subject's OU (raytls writes the role there), if any. */
function organizationalUnit(cert: Certificate): string | undefined {
  return cert.subject.attributes.find((a) => a.oid === RDN_ATTRIBUTES.OU)?.value;
}

export function judgeExistingPodCert(q: ReuseQuery): ReuseVerdict {
  const now = q.now ?? new Date();
  let cert: Certificate;
  let key: KeyObject;
  let dirCa: Certificate;
  const ca = readCertificatePem(q.caCertPem, "the CA certificate");
  try {
    cert = readCertificatePem(q.existing.certPem, "tls.crt");
    key = parsePrivateKey(q.existing.keyPem, "tls.key");
    dirCa = readCertificatePem(q.existing.caPem, "ca.crt");
  } catch (err) {
    if (err instanceof RaytlsError) return { keep: false, reason: err.message };
    throw err;
  }
  if (!sameBytes(spkiOf(key), cert.publicKey.spki)) return { keep: false, reason: "tls.key does not belong to tls.crt" };
  if (!sameBytes(dirCa.der, ca.der)) return { keep: false, reason: "ca.crt is not this CA's certificate" };
  if (!sameBytes(cert.issuer.der, ca.subject.der) || !signedBy(cert, ca).ok) return { keep: false, reason: "tls.crt was not issued by this CA" };
  const ou = organizationalUnit(cert);
  if (ou !== undefined && (ou === "head" || ou === "worker") && ou !== q.role) return { keep: false, reason: `tls.crt is a ${ou} certificate, this pod is a ${q.role}` };
  if (!cert.sans || !sameSans(cert.sans, q.sans)) {
    return { keep: false, reason: `tls.crt names ${cert.sans ? formatSans(cert.sans) : "no SANs"}; this pod needs ${formatSans(q.sans)}` };
  }
  const eku = cert.extKeyUsage ?? [];
  if (!eku.includes(OID.serverAuth) || !eku.includes(OID.clientAuth)) return { keep: false, reason: "tls.crt is not usable as both server and client certificate (EKU)" };
  const existingType = keyTypeOf(key);
  if (existingType !== q.keyType) return { keep: false, reason: `tls.key is ${describeKey(key).label}, this run asks for ${q.keyType}` };
  if (now < cert.notBefore) return { keep: false, reason: `tls.crt is not valid before ${cert.notBefore.toISOString()}` };
  const lifetime = cert.notAfter.getTime() - cert.notBefore.getTime();
  const renewAfter = new Date(cert.notAfter.getTime() - lifetime * RENEW_WHEN_LEFT);
  if (now >= cert.notAfter) return { keep: false, reason: `tls.crt expired on ${cert.notAfter.toISOString()}` };
  if (now >= renewAfter) return { keep: false, reason: `tls.crt expires on ${cert.notAfter.toISOString()}: less than a third of its lifetime is left` };
  return { keep: true, notAfter: cert.notAfter, serialHex: cert.serial.hex, sans: cert.sans, renewAfter };
}
