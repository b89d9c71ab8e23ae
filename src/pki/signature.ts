/**
 * Signature checks on parsed certificates and CSRs, with node:crypto on the signer's parsed key:
 * no Node certificate parser involved. The algorithm must fit the key (an EC key under an RSA
 * signature OID is refused, as openssl does, issue 13).
 */
import { createPublicKey, verify, type KeyObject } from "node:crypto";
import type { Certificate } from "./certificate.js";
import { SIGNATURE_ALGORITHMS } from "./oids.js";

export type SignatureVerdict = { ok: true } | { ok: false; why: string };

/** Whether `signature` over `signed` verifies with `key` under the algorithm `algOid`. */
export function checkSignature(algOid: string, signed: Uint8Array, signature: Uint8Array, key: KeyObject): SignatureVerdict {
  const alg = SIGNATURE_ALGORITHMS[algOid];
  if (!alg) return { ok: false, why: `signature algorithm ${algOid} is not supported` };
  const keyType = key.asymmetricKeyType;
  if (keyType !== alg.key) return { ok: false, why: `signature algorithm ${alg.name} does not fit a${keyType === "ec" || keyType === "rsa" ? "n" : ""} ${String(keyType).toUpperCase()} key` };
  try {
    return verify(alg.hash, signed, key, signature) ? { ok: true } : { ok: false, why: "the signature does not verify" };
  } catch (err) {
    return { ok: false, why: `the signature cannot be checked (${err instanceof Error ? err.message : String(err)})` };
  }
}

const keyCache = new WeakMap<Certificate, KeyObject | null>();

/** The certificate's public key as a KeyObject (null when node:crypto cannot load it). */
export function publicKeyOf(cert: Certificate): KeyObject | null {
  let k = keyCache.get(cert);
  if (k === undefined) {
    try {
      k = createPublicKey({ key: Buffer.from(cert.publicKey.spki), format: "der", type: "spki" });
    } catch {
      k = null;
    }
    keyCache.set(cert, k);
  }
  return k;
}

/** Whether `issuer`'s key signed `cert`. */
export function signedBy(cert: Certificate, issuer: Certificate): SignatureVerdict {
  const key = publicKeyOf(issuer);
  if (!key) return { ok: false, why: "the issuer's public key cannot be loaded" };
  return checkSignature(cert.signatureAlgorithmOid, cert.tbs, cert.signature, key);
}
