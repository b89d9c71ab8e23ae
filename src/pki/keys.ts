/**
 * Private keys: make them, read them in any PEM form gRPC accepts, describe them, and check that
 * a key belongs to a certificate.
 */
import { createECDH, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { RaytlsError, describeCause } from "../errors.js";
import * as der from "./der.js";
import { keyShape, type KeyType } from "./key-types.js";
import { OID } from "./oids.js";
import { toPem } from "./pem.js";

const CURVE_OIDS = { "P-256": OID.prime256v1, "P-384": OID.secp384r1 } as const;

export interface KeyPair {
  privateKey: KeyObject;
  /** SubjectPublicKeyInfo, DER. */
  spki: Uint8Array;
  /** PKCS#8, PEM (unencrypted: Ray and gRPC read keys unencrypted, facts section 1). */
  privatePem: string;
  type: KeyType;
}

/**
 * Makes a key pair. For EC keys the SPKI and PKCS#8 encodings are built here from the raw scalar
 * and point: Node's own `export({ type: "spki" })` costs about 120 µs per key on this machine,
 * more than making the key, and issuance speed is a measured target (issue #2).
 */
export function generateKey(type: KeyType): KeyPair {
  const shape = keyShape(type);
  if (shape.algorithm === "rsa") {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: shape.bits, publicExponent: 65537 });
    return {
      privateKey,
      spki: new Uint8Array(publicKey.export({ type: "spki", format: "der" })),
      privatePem: privateKey.export({ type: "pkcs8", format: "pem" }) as string,
      type,
    };
  }
  const curve = shape.curve!;
  // ECDH key generation yields the raw scalar and point directly: no KeyObject, no export.
  const ecdh = createECDH(curve === "P-256" ? "prime256v1" : "secp384r1");
  const point = ecdh.generateKeys();
  const size = curve === "P-256" ? 32 : 48;
  const raw = ecdh.getPrivateKey();
  const d = raw.length === size ? raw : Buffer.concat([Buffer.alloc(size - raw.length), raw]);
  const algorithm = der.sequence(der.oid(OID.ecPublicKey), der.oid(CURVE_OIDS[curve]));
  const spki = der.sequence(algorithm, der.bitString(point));
  // RFC 5915 ECPrivateKey inside RFC 5208 PKCS#8, the same layout `openssl genpkey` writes.
  const ecPrivateKey = der.sequence(der.smallInteger(1), der.octetString(d), der.explicit(1, der.bitString(point)));
  const pkcs8 = der.sequence(der.smallInteger(0), algorithm, der.octetString(ecPrivateKey));
  const privatePem = toPem("PRIVATE KEY", pkcs8);
  let keyObject: KeyObject | undefined;
  return {
    get privateKey(): KeyObject {
      keyObject ??= createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" });
      return keyObject;
    },
    spki,
    privatePem,
    type,
  };
}

/** What a key is, in words and numbers. */
export interface KeyDescription {
  algorithm: "RSA" | "ECDSA" | string;
  bits: number;
  curve?: string;
  /** e.g. "ECDSA P-256", "RSA 2048". */
  label: string;
}

export function describeKey(key: KeyObject): KeyDescription {
  const d = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case "rsa":
    case "rsa-pss":
      return { algorithm: "RSA", bits: d.modulusLength ?? 0, label: `RSA ${d.modulusLength ?? "?"}` };
    case "ec": {
      const curve = d.namedCurve === "prime256v1" ? "P-256" : d.namedCurve === "secp384r1" ? "P-384" : d.namedCurve === "secp521r1" ? "P-521" : (d.namedCurve ?? "?");
      const bits = curve === "P-256" ? 256 : curve === "P-384" ? 384 : curve === "P-521" ? 521 : 0;
      return { algorithm: "ECDSA", bits, curve, label: `ECDSA ${curve}` };
    }
    default:
      return { algorithm: String(key.asymmetricKeyType ?? "unknown"), bits: 0, label: String(key.asymmetricKeyType ?? "unknown") };
  }
}

/** Refuses keys raytls will not sign with or for: RSA under 2048 bits, curves other than P-256/P-384. */
export function assertStrongKey(key: KeyObject, where: string): void {
  const d = describeKey(key);
  if (d.algorithm === "RSA" && d.bits < 2048) {
    throw new RaytlsError("weak-key", `${where}: RSA key of ${d.bits} bits is too weak`, {
      hint: "use a key of at least 2048 bits (raytls makes rsa-2048 or ecdsa-p256 keys for you)",
    });
  }
  if (d.algorithm === "ECDSA" && d.curve !== "P-256" && d.curve !== "P-384") {
    throw new RaytlsError("unsupported-key", `${where}: ECDSA curve ${d.curve} is not supported`, {
      hint: "use ecdsa-p256 or ecdsa-p384",
    });
  }
  if (d.algorithm !== "ECDSA" && d.algorithm !== "RSA") {
    throw new RaytlsError("unsupported-key", `${where}: ${d.label} keys are not supported`, {
      hint: "use ecdsa-p256, ecdsa-p384 or rsa-2048 and up",
    });
  }
}

/** Reads an unencrypted private key in PKCS#8, PKCS#1 or SEC1 PEM. `where` names the file. */
export function parsePrivateKey(pem: string, where: string): KeyObject {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem)) {
    throw new RaytlsError("encrypted-key", `${where}: the private key is encrypted`, {
      hint: "Ray and gRPC read keys unencrypted; decrypt it with `openssl pkey -in KEY -out KEY.plain`",
    });
  }
  if (!/-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(pem)) {
    throw new RaytlsError("not-a-key", `${where}: no PEM private key found`, {
      hint: "expected a block starting with -----BEGIN PRIVATE KEY----- (or RSA/EC PRIVATE KEY)",
    });
  }
  try {
    return createPrivateKey({ key: pem, format: "pem" });
  } catch (err) {
    throw new RaytlsError("bad-key", `${where}: the private key cannot be read: ${describeCause(err)}`, {
      hint: "the PEM block is damaged or truncated; make a new key or copy the file again",
      cause: err,
    });
  }
}

export function spkiOf(key: KeyObject): Uint8Array {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  return new Uint8Array(pub.export({ type: "spki", format: "der" }));
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;
}
