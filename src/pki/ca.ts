/**
 * The CA (seed Step 1-1): make one, or load one and check it can sign pod certificates.
 */
import type { KeyObject } from "node:crypto";
import { RaytlsError } from "../errors.js";
import { checkDays } from "./days.js";
import { buildCertificate, randomSerial, validity } from "./certificate-builder.js";
import { caExtensions, keyIdentifier } from "./certificate-profile.js";
import type { Certificate } from "./certificate.js";
import { readCertificatePem } from "./certificate-reader.js";
import { encodeName, parseSubject } from "./distinguished-name.js";
import { DEFAULT_KEY_TYPE, type KeyType } from "./key-types.js";
import { assertStrongKey, generateKey, parsePrivateKey, sameBytes, spkiOf } from "./keys.js";
import { toPem } from "./pem.js";

export { checkDays };

export interface PemPair {
  certPem: string;
  keyPem: string;
  notAfter: Date;
  serialHex: string;
}

export interface CreateCaOptions {
  /** Default is ecdsa-p256; rsa-2048 reproduces the seed's `openssl req -x509 -newkey rsa:2048`. */
  keyType?: KeyType;
  /** Default is 3650, as in the seed. */
  days?: number;
  /** openssl -subj notation. Default is "/CN=raytls CA/O=raytls". */
  subject?: string;
  /** Default is now. */
  now?: Date;
}

export const DEFAULT_CA_SUBJECT = "/CN=raytls CA/O=raytls";


export async function createCa(o: CreateCaOptions = {}): Promise<PemPair> {
  const days = checkDays(o.days ?? 3650);
  const key = generateKey(o.keyType ?? DEFAULT_KEY_TYPE);
  const name = encodeName(parseSubject(o.subject ?? DEFAULT_CA_SUBJECT));
  const serial = randomSerial();
  const { notBefore, notAfter } = validity(o.now ?? new Date(), days);
  const der = buildCertificate({
    serial,
    issuer: name,
    subject: name,
    notBefore,
    notAfter,
    spki: key.spki,
    extensions: caExtensions(key.spki),
    signingKey: key.privateKey,
  });
  return { certPem: toPem("CERTIFICATE", der), keyPem: key.privatePem, notAfter, serialHex: Buffer.from(serial).toString("hex") };
}

/** A CA ready to sign: its certificate facts, its private key, and the bytes a leaf copies from it. */
export interface LoadedCa {
  cert: Certificate;
  certPem: string;
  key: KeyObject;
  /** The CA's subject, DER: a leaf's issuer, byte for byte. */
  subjectDer: Uint8Array;
  /** The CA's key identifier: the leaf's authorityKeyIdentifier. */
  keyId: Uint8Array;
}

/**
 * Loads a CA and refuses one that cannot sign pod certificates Ray will accept: not a CA, no
 * keyCertSign, expired or not yet valid, a weak key, or a key that is not the certificate's.
 */
export function loadCa(certPem: string, keyPem: string, where = { cert: "ca.crt", key: "ca.key" }, now: Date = new Date()): LoadedCa {
  const cert = readCertificatePem(certPem, where.cert);
  const key = parsePrivateKey(keyPem, where.key);
  assertStrongKey(key, where.key);
  if (!cert.basicConstraints?.ca) {
    throw new RaytlsError("not-a-ca", `${where.cert}: this certificate is not a CA (basicConstraints CA:TRUE is missing)`, {
      hint: "pass the CA certificate (ca.crt), not a pod certificate; make a CA with `raytls ca create`",
    });
  }
  if (cert.keyUsage && !cert.keyUsage.includes("keyCertSign")) {
    throw new RaytlsError("not-a-ca", `${where.cert}: the CA's keyUsage lacks keyCertSign, so verifiers refuse what it signs`, {
      hint: "make a new CA with `raytls ca create`",
    });
  }
  if (now < cert.notBefore || now > cert.notAfter) {
    const expired = now > cert.notAfter;
    throw new RaytlsError("ca-not-valid", `${where.cert}: the CA ${expired ? `expired on ${cert.notAfter.toISOString()}` : `is not valid before ${cert.notBefore.toISOString()}`}`, {
      hint: expired ? "make a new CA with `raytls ca create` and re-issue the pod certificates" : "check this machine's clock",
    });
  }
  if (!sameBytes(spkiOf(key), cert.publicKey.spki)) {
    throw new RaytlsError("key-mismatch", `${where.key} does not belong to ${where.cert}`, {
      hint: "pass the ca.key that was made together with this ca.crt",
    });
  }
  const keyId = cert.subjectKeyId ? new Uint8Array(Buffer.from(cert.subjectKeyId, "hex")) : keyIdentifier(cert.publicKey.spki);
  return { cert, certPem, key, subjectDer: cert.subject.der, keyId };
}
