/**
 * @peculiar/x509 on Node's WebCrypto. Its dependency injection (tsyringe) needs the Reflect
 * metadata polyfill loaded first; importing x509 only through this module guarantees the order.
 */
import "reflect-metadata";
import { webcrypto, type KeyObject } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { describeKey } from "./keys.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the DOM Crypto type is not in this project's lib
x509.cryptoProvider.set(webcrypto as any);

type CryptoKeyPair = webcrypto.CryptoKeyPair;

export { x509 };

/** WebCrypto algorithm parameters for signing with a key of this shape (the issue #2 profile). */
export function webAlgorithm(key: KeyObject): webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams {
  const d = describeKey(key);
  if (d.algorithm === "ECDSA") return { name: "ECDSA", namedCurve: d.curve!, hash: d.curve === "P-384" ? "SHA-384" : "SHA-256" } as webcrypto.EcKeyImportParams;
  return { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
}

/** A Node KeyObject pair as WebCrypto keys (Node 20 has no KeyObject.toCryptoKey). */
export async function toCryptoKeyPair(privateKey: KeyObject, spki: Uint8Array): Promise<CryptoKeyPair> {
  const alg = webAlgorithm(privateKey);
  const pkcs8 = privateKey.export({ type: "pkcs8", format: "der" });
  const subtle = webcrypto.subtle;
  return {
    privateKey: (await subtle.importKey("pkcs8", pkcs8, alg, false, ["sign"])) ,
    publicKey: (await subtle.importKey("spki", spki, alg, true, ["verify"])) ,
  };
}
