/**
 * Hand-built certificates for hostile-input tests: raytls's DER writer with any part replaced
 * (extensions, validity, serial, issuer, key), signed by a raytls CA. No checked-in blobs.
 */
import { randomBytes, sign } from "node:crypto";
import { leafExtensions } from "../../src/pki/certificate-profile.js";
import type { LoadedCa } from "../../src/pki/ca.js";
import * as der from "../../src/pki/der.js";
import { encodeName } from "../../src/pki/distinguished-name.js";
import { generateKey } from "../../src/pki/keys.js";
import { toPem } from "../../src/pki/pem.js";

const DAY = 86_400_000;

/** One Extension; `critical` TRUE is written, FALSE left out (the DER default). */
export const ext = (oid: string, critical: boolean, value: Uint8Array): Uint8Array =>
  critical ? der.sequence(der.oid(oid), der.TRUE, der.octetString(value)) : der.sequence(der.oid(oid), der.octetString(value));

export interface BuiltCert {
  certPem: string;
  der: Uint8Array;
  keyPem: string;
}

export interface LeafParts {
  /** Maps raytls's leaf extensions [bc, ku, eku, san, ski, aki] to the ones written. */
  extensions?: (base: Uint8Array[]) => Uint8Array[];
  notBefore?: Uint8Array;
  /** The whole serialNumber TLV. */
  serial?: Uint8Array;
  /** The whole issuer Name TLV (default: the CA's subject). */
  issuer?: Uint8Array;
  key?: { spki: Uint8Array; keyPem: string };
}

/** A leaf for 127.0.0.1 (IP SAN) signed by `ca` with ecdsa-with-SHA256, with the parts given replaced. */
export function buildLeaf(ca: LoadedCa, o: LeafParts = {}): BuiltCert {
  const key =
    o.key ??
    (() => {
      const k = generateKey("ecdsa-p256");
      return { spki: k.spki, keyPem: k.privatePem };
    })();
  const base = leafExtensions({ spki: key.spki, caKeyId: ca.keyId, sans: [{ type: "ip", value: "127.0.0.1" }], rsa: false });
  const alg = der.sequence(der.oid("1.2.840.10045.4.3.2"));
  const now = Date.now();
  const tbs = der.sequence(
    der.explicit(0, der.smallInteger(2)),
    o.serial ?? der.unsignedInteger(Uint8Array.of(0x01, ...randomBytes(8))),
    alg,
    o.issuer ?? ca.subjectDer,
    der.sequence(o.notBefore ?? der.time(new Date(now - DAY)), der.time(new Date(now + 30 * DAY))),
    encodeName([["CN", "hostile"]]),
    key.spki,
    der.explicit(3, der.sequence(...(o.extensions ? o.extensions(base) : base))),
  );
  const sig = sign("sha256", tbs, ca.key);
  const out = der.sequence(tbs, alg, der.bitString(new Uint8Array(sig)));
  return { certPem: toPem("CERTIFICATE", out), der: out, keyPem: key.keyPem };
}
