/**
 * The key types raytls makes and accepts. Both RSA and ECDSA P-256 keys work in gRPC C-core and
 * grpc-js, in PKCS#8, PKCS#1 and SEC1 form (ray-tls-facts.md section 1). RSA below 2048 bits is
 * refused (issue #2: refuse keys weaker than RSA-2048).
 */
import { RaytlsError } from "../errors.js";

export const KEY_TYPES = ["ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096"] as const;
export type KeyType = (typeof KEY_TYPES)[number];

/** Default is ecdsa-p256: fast to make, small on the wire, accepted everywhere Ray runs. */
export const DEFAULT_KEY_TYPE: KeyType = "ecdsa-p256";

export function isKeyType(s: string): s is KeyType {
  return (KEY_TYPES as readonly string[]).includes(s);
}

export function parseKeyType(s: string, where = "keyType"): KeyType {
  const v = s.trim().toLowerCase();
  if (isKeyType(v)) return v;
  throw new RaytlsError("bad-key-type", `${where}: unknown key type "${s}"`, {
    hint: `use one of ${KEY_TYPES.join(", ")} (rsa-2048 reproduces the seed's openssl commands)`,
    field: where,
  });
}

export interface KeyShape {
  algorithm: "ec" | "rsa";
  /** For EC: the curve; for RSA: the modulus length. */
  curve?: "P-256" | "P-384";
  bits: number;
}

export function keyShape(t: KeyType): KeyShape {
  switch (t) {
    case "ecdsa-p256":
      return { algorithm: "ec", curve: "P-256", bits: 256 };
    case "ecdsa-p384":
      return { algorithm: "ec", curve: "P-384", bits: 384 };
    case "rsa-2048":
      return { algorithm: "rsa", bits: 2048 };
    case "rsa-3072":
      return { algorithm: "rsa", bits: 3072 };
    case "rsa-4096":
      return { algorithm: "rsa", bits: 4096 };
  }
}
