/**
 * Issuing pod certificates (seed Step 2): the leaf profile applied to a public key, whatever a CSR
 * may have asked for (never CA:TRUE, always EKU serverAuth+clientAuth).
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { RaytlsError, describeCause } from "../errors.js";
import { buildCertificate, randomSerial, validity } from "./certificate-builder.js";
import { leafExtensions } from "./certificate-profile.js";
import { checkDays, type LoadedCa, type PemPair } from "./ca.js";
import { encodeName, type Rdn } from "./distinguished-name.js";
import { DEFAULT_KEY_TYPE, type KeyType } from "./key-types.js";
import { describeKey, generateKey, spkiOf } from "./keys.js";
import { toPem } from "./pem.js";
import { podSans, type PodIdentity } from "./pod-identity.js";
import type { San } from "./san.js";

export interface LeafOptions {
  ca: LoadedCa;
  /**
   * The subject's public key, as SPKI DER or a KeyObject. Either way the certificate gets the
   * key re-encoded from the parsed key object, never the caller's bytes (issue 13: a CSR's
   * non-DER or explicit-parameter SPKI was copied into certificates verbatim).
   */
  publicKey: Uint8Array | KeyObject;
  sans: San[];
  /** Default is 365, as in the seed's `x509 -req -days 365`. */
  days?: number;
  now?: Date;
  subject?: Rdn[];
  random?: (n: number) => Uint8Array;
}

export interface IssuedCertificate {
  certPem: string;
  der: Uint8Array;
  notAfter: Date;
  serialHex: string;
  sans: San[];
  /**
   * Set when the validity asked for would outlast the CA: the leaf ends with the CA instead
   * (its notAfter is the CA's), and callers say so.
   */
  clampedToCa?: { requestedNotAfter: Date; caNotAfter: Date };
}

export function issueLeaf(o: LeafOptions): IssuedCertificate {
  let key: KeyObject;
  try {
    key = o.publicKey instanceof Uint8Array ? createPublicKey({ key: Buffer.from(o.publicKey), format: "der", type: "spki" }) : o.publicKey;
  } catch (err) {
    throw new RaytlsError("bad-public-key", `publicKey: not a readable SubjectPublicKeyInfo: ${describeCause(err)}`, { hint: "pass the SPKI DER of an RSA or ECDSA P-256/P-384 key", cause: err });
  }
  // RSA leaf keys also get keyEncipherment (TLS 1.2 RSA key exchange).
  return issueForSpki(o, spkiOf(key), describeKey(key).algorithm === "RSA");
}

/** Issues for an SPKI raytls itself encoded (a fresh key's, or one re-encoded by issueLeaf). */
function issueForSpki(o: LeafOptions, spki: Uint8Array, rsa: boolean): IssuedCertificate {
  const v = validity(o.now ?? new Date(), checkDays(o.days ?? 365));
  const { notBefore } = v;
  let notAfter = v.notAfter;
  let clampedToCa: IssuedCertificate["clampedToCa"];
  // A leaf outliving its CA is refused by verifiers once the CA expires anyway; RFC 5280 6.1.3
  // checks each certificate's own window, so end the leaf with the CA and tell the caller.
  if (notAfter > o.ca.cert.notAfter) {
    clampedToCa = { requestedNotAfter: notAfter, caNotAfter: o.ca.cert.notAfter };
    notAfter = o.ca.cert.notAfter;
  }
  const serial = randomSerial(o.random);
  const firstDns = o.sans.find((s) => s.type === "dns" && s.value !== "localhost")?.value;
  const subject = o.subject ?? [["CN", firstDns ?? o.sans.find((s) => s.type === "ip" && s.value !== "127.0.0.1")?.value ?? "ray"], ["O", "raytls"]];
  const der = buildCertificate({
    serial,
    issuer: o.ca.subjectDer,
    subject: encodeName(subject),
    notBefore,
    notAfter,
    spki,
    extensions: leafExtensions({ spki, caKeyId: o.ca.keyId, sans: o.sans, rsa }),
    signingKey: o.ca.key,
  });
  return { certPem: toPem("CERTIFICATE", der), der, notAfter, serialHex: Buffer.from(serial).toString("hex"), sans: o.sans, ...(clampedToCa ? { clampedToCa } : {}) };
}

export interface PodCertOptions extends PodIdentity {
  ca: LoadedCa;
  /** Default is ecdsa-p256. */
  keyType?: KeyType;
  /** Default is 365. */
  days?: number;
  now?: Date;
}

/** A fresh key and its CA-signed certificate for one pod, with the seed's SAN rules. */
export function issuePodCert(o: PodCertOptions): PemPair & Pick<IssuedCertificate, "sans" | "clampedToCa"> {
  const sans = podSans(o);
  const key = generateKey(o.keyType ?? DEFAULT_KEY_TYPE);
  // The key was made here, so its SPKI is Node's own encoding: no re-encoding needed.
  const cert = issueForSpki(
    {
      ca: o.ca,
      publicKey: key.spki,
      sans,
      days: o.days ?? 365,
      now: o.now ?? new Date(),
      subject: [["CN", o.role === "head" ? sans[1]!.value : o.podIp], ["OU", o.role], ["O", "raytls"]],
    },
    key.spki,
    key.type.startsWith("rsa"),
  );
  return { certPem: cert.certPem, keyPem: key.privatePem, notAfter: cert.notAfter, serialHex: cert.serialHex, sans, ...(cert.clampedToCa ? { clampedToCa: cert.clampedToCa } : {}) };
}

