/**
 * Builds and signs an X.509 v3 certificate (RFC 5280 4.1) from already-encoded parts.
 */
import { randomBytes, sign, type KeyObject } from "node:crypto";
import * as der from "./der.js";
import { describeKey } from "./keys.js";
import { OID } from "./oids.js";

export interface CertificateParts {
  serial: Uint8Array;
  /** DER Name of the issuer (the CA's subject, byte for byte). */
  issuer: Uint8Array;
  subject: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  spki: Uint8Array;
  extensions: Uint8Array[];
  signingKey: KeyObject;
}

/**
 * Serial numbers: 16 random bytes, the top bit cleared so the INTEGER is positive and the lowest
 * bit of the first byte set so it is never stripped as a leading zero: 126 bits of entropy in 16
 * octets (RFC 5280 4.1.2.2 allows 20; CA/B Forum asks for >= 64 bits of entropy).
 */
export function randomSerial(random: (n: number) => Uint8Array = (n) => randomBytes(n)): Uint8Array {
  const b = random(16);
  b[0] = (b[0]! & 0x7f) | 0x01;
  return b;
}

/** ECDSA signs with the hash matching the curve size; RSA with SHA-256 (issue #2 profile). */
export function signatureAlgorithm(key: KeyObject): { algorithm: Uint8Array; hash: string } {
  const d = describeKey(key);
  if (d.algorithm === "ECDSA") {
    return d.curve === "P-384"
      ? { algorithm: der.sequence(der.oid(OID.ecdsaWithSha384)), hash: "sha384" }
      : { algorithm: der.sequence(der.oid(OID.ecdsaWithSha256)), hash: "sha256" };
  }
  return { algorithm: der.sequence(der.oid(OID.sha256WithRsa), der.NULL), hash: "sha256" };
}

export function buildCertificate(p: CertificateParts): Uint8Array {
  const { algorithm, hash } = signatureAlgorithm(p.signingKey);
  const tbs = der.sequence(
    der.explicit(0, der.smallInteger(2)),
    der.unsignedInteger(p.serial),
    algorithm,
    p.issuer,
    der.sequence(der.time(p.notBefore), der.time(p.notAfter)),
    p.subject,
    p.spki,
    der.explicit(3, der.sequence(...p.extensions)),
  );
  // Node's ECDSA signatures are DER (r, s) by default, which is what X.509 wants.
  const signature = sign(hash, tbs, p.signingKey);
  return der.sequence(tbs, algorithm, der.bitString(new Uint8Array(signature)));
}

/** RFC 5280 allows no sub-second precision; 5 minutes back absorbs clock skew between pods. */
export const BACKDATE_MS = 5 * 60 * 1000;

export function validity(now: Date, days: number): { notBefore: Date; notAfter: Date } {
  const start = Math.floor(now.getTime() / 1000) * 1000;
  return { notBefore: new Date(start - BACKDATE_MS), notAfter: new Date(start + days * 86_400_000) };
}
