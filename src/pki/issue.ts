/**
 * Issuing pod certificates (seed Step 2): the leaf profile applied to a public key, whatever a CSR
 * may have asked for (never CA:TRUE, always EKU serverAuth+clientAuth).
 */
import type { KeyObject } from "node:crypto";
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
  /** The subject's public key, as SPKI DER or a KeyObject. */
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
}

export function issueLeaf(o: LeafOptions): IssuedCertificate {
  const spki = o.publicKey instanceof Uint8Array ? o.publicKey : spkiOf(o.publicKey);
  const { notBefore, notAfter } = validity(o.now ?? new Date(), checkDays(o.days ?? 365));
  const serial = randomSerial(o.random);
  // RSA leaf keys also get keyEncipherment (TLS 1.2 RSA key exchange). Node can tell the key type
  // from SPKI alone when it is not a KeyObject: RSA SPKIs carry rsaEncryption's OID.
  const rsa = o.publicKey instanceof Uint8Array ? Buffer.from(spki).includes(Buffer.from("2a864886f70d010101", "hex")) : describeKey(o.publicKey).algorithm === "RSA";
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
  return { certPem: toPem("CERTIFICATE", der), der, notAfter, serialHex: Buffer.from(serial).toString("hex"), sans: o.sans };
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
export function issuePodCert(o: PodCertOptions): PemPair & { sans: San[] } {
  const sans = podSans(o);
  const key = generateKey(o.keyType ?? DEFAULT_KEY_TYPE);
  const cert = issueLeaf({
    ca: o.ca,
    publicKey: key.spki,
    sans,
    days: o.days ?? 365,
    now: o.now ?? new Date(),
    subject: [["CN", o.role === "head" ? sans[1]!.value : o.podIp], ["OU", o.role], ["O", "raytls"]],
  });
  return { certPem: cert.certPem, keyPem: key.privatePem, notAfter: cert.notAfter, serialHex: cert.serialHex, sans };
}

