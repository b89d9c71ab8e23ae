/**
 * The certificate profile (issue #2), as DER extensions. Each choice follows from how Ray and gRPC
 * use the certificates (ray-tls-facts.md):
 * - Leaf EKU serverAuth AND clientAuth: every Ray process presents the same certificate as a
 *   server and as a client; a serverAuth-only certificate is refused by the server (section 1).
 * - Leaf keyUsage digitalSignature (+keyEncipherment for RSA, for TLS 1.2 RSA key exchange).
 * - CA pathLen 0: this CA signs pod certificates only, never another CA.
 * - SKI (RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits) and AKI, so chains build
 *   unambiguously when a CA is rotated.
 */
import { createHash } from "node:crypto";
import { RaytlsError } from "../errors.js";
import * as der from "./der.js";
import { OID } from "./oids.js";
import { ipToBytes } from "./names.js";
import type { San } from "./san.js";


function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical ? der.sequence(der.oid(id), der.TRUE, der.octetString(value)) : der.sequence(der.oid(id), der.octetString(value));
}

/** SHA-1 over the BIT STRING contents of a SubjectPublicKeyInfo (without the unused-bits byte). */
export function keyIdentifier(spki: Uint8Array): Uint8Array {
  const top = der.read(spki);
  const [, bits] = der.children(spki, top);
  const keyBits = spki.subarray(bits!.contentStart + 1, bits!.end);
  return new Uint8Array(createHash("sha1").update(keyBits).digest());
}

export function caExtensions(spki: Uint8Array): Uint8Array[] {
  return [
    extension(OID.basicConstraints, true, der.sequence(der.TRUE, der.smallInteger(0))),
    // keyCertSign (bit 5) + cRLSign (bit 6): 0b0000_0110, one unused bit.
    extension(OID.keyUsage, true, der.bitString(Uint8Array.of(0x06), 1)),
    extension(OID.subjectKeyIdentifier, false, der.octetString(keyIdentifier(spki))),
  ];
}

/** The subjectAltName extension for DNS, IP, email and URI names (the kinds raytls writes). */
export function sanExtension(sans: San[]): Uint8Array {
  const names = sans.map((s) => {
    if (s.type === "dns") return der.implicit(2, new TextEncoder().encode(s.value));
    if (s.type === "ip") return der.implicit(7, ipToBytes(s.value));
    if (s.type === "email") return der.implicit(1, new TextEncoder().encode(s.value));
    if (s.type === "uri") return der.implicit(6, new TextEncoder().encode(s.value));
    throw new RaytlsError("bad-san", `sans: raytls never writes a ${s.type} SAN`, { hint: "use DNS and IP names" });
  });
  return extension(OID.subjectAltName, false, der.sequence(...names));
}

export function leafExtensions(o: { spki: Uint8Array; caKeyId: Uint8Array; sans: San[]; rsa: boolean }): Uint8Array[] {
  return [
    // CA:FALSE is the DER default, so the sequence is empty.
    extension(OID.basicConstraints, true, der.sequence()),
    // digitalSignature (bit 0) = 0x80 with 7 unused bits; with keyEncipherment (bit 2) = 0xa0, 5 unused.
    extension(OID.keyUsage, true, o.rsa ? der.bitString(Uint8Array.of(0xa0), 5) : der.bitString(Uint8Array.of(0x80), 7)),
    extension(OID.extKeyUsage, false, der.sequence(der.oid(OID.serverAuth), der.oid(OID.clientAuth))),
    sanExtension(o.sans),
    extension(OID.subjectKeyIdentifier, false, der.octetString(keyIdentifier(o.spki))),
    extension(OID.authorityKeyIdentifier, false, der.sequence(der.implicit(0, o.caKeyId))),
  ];
}
