/**
 * The signer's CSR reader (RFC 2986): the public key, the requested subjectAltNames, and proof of
 * possession (the self-signature), checked with node:crypto directly. src/pki/csr.ts `parseCsr`
 * answers the same question through @peculiar/x509 and WebCrypto at about 2 ms per CSR on this
 * machine, which alone would spend the whole 1,000-in-2-s budget (issue 5); this takes ~0.1 ms.
 * test/signer/csr-reader.test.ts checks that both agree, on raytls's and openssl's CSRs.
 */
import { createPublicKey, verify, type KeyObject } from "node:crypto";
import { RaytlsError, describeCause } from "../errors.js";
import { decodeGeneralNames, decodeOid } from "../pki/certificate-reader.js";
import * as der from "../pki/der.js";
import { checkDnsName, checkIp } from "../pki/names.js";
import { parsePem } from "../pki/pem.js";
import type { San } from "../pki/san.js";

const OID_EXTENSION_REQUEST = "1.2.840.113549.1.9.14";
const OID_SAN = "2.5.29.17";
/** Signature algorithms a CSR may use, and the hash node:crypto verifies with. */
const SIGNATURE_HASH: Record<string, string> = {
  "1.2.840.10045.4.3.2": "sha256", // ecdsa-with-SHA256
  "1.2.840.10045.4.3.3": "sha384",
  "1.2.840.10045.4.3.4": "sha512",
  "1.2.840.113549.1.1.11": "sha256", // sha256WithRSAEncryption
  "1.2.840.113549.1.1.12": "sha384",
  "1.2.840.113549.1.1.13": "sha512",
};

export interface SignerCsr {
  /** SubjectPublicKeyInfo, DER. */
  spki: Uint8Array;
  publicKey: KeyObject;
  sans: San[];
}

const bad = (code: string, why: string, hint = "make the request again with `raytls pod-cert --signer` or `raytls csr create`") =>
  new RaytlsError(code, `csr: ${why}`, { hint });

export function readSignerCsr(pem: string): SignerCsr {
  const block = parsePem(pem).blocks.find((b) => b.label === "CERTIFICATE REQUEST" || b.label === "NEW CERTIFICATE REQUEST");
  if (!block) throw bad("bad-csr", "no PEM certificate request found", "send a block starting with -----BEGIN CERTIFICATE REQUEST-----");
  const buf = block.der;
  let info: der.Node, alg: der.Node, sig: der.Node, spkiNode: der.Node, attrs: der.Node | undefined;
  try {
    const top = der.read(buf);
    [info, alg, sig] = der.children(buf, top) as [der.Node, der.Node, der.Node];
    const infoParts = der.children(buf, info);
    spkiNode = infoParts[2]!;
    attrs = infoParts.find((n) => n.tag === 0xa0);
    if (top.end !== buf.length || !sig || sig.tag !== 0x03 || spkiNode.tag !== 0x30) throw new RangeError("not a CertificationRequest");
  } catch (err) {
    throw bad("bad-csr", `the certificate request cannot be read: ${describeCause(err)}`);
  }
  const spki = buf.subarray(spkiNode.start, spkiNode.end);
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  } catch (err) {
    throw bad("bad-csr", `its public key cannot be read: ${describeCause(err)}`);
  }
  const algOid = decodeOid(der.content(buf, der.children(buf, alg)[0]!));
  const hash = SIGNATURE_HASH[algOid];
  if (!hash) throw bad("bad-csr", `signature algorithm ${algOid} is not supported`, "use an RSA (>= 2048) or ECDSA P-256/P-384 key");
  const signature = der.content(buf, sig).subarray(1); // skip the BIT STRING's unused-bits byte
  let valid = false;
  try {
    valid = verify(hash, buf.subarray(info.start, info.end), publicKey, signature);
  } catch {
    valid = false;
  }
  if (!valid) throw bad("bad-csr-signature", "the request's signature does not verify", "the CSR was altered or signed with another key; make it again");
  const sans: San[] = [];
  for (const attr of attrs ? der.children(buf, attrs) : []) {
    const [type, values] = der.children(buf, attr) as [der.Node, der.Node];
    if (decodeOid(der.content(buf, type)) !== OID_EXTENSION_REQUEST) continue;
    for (const exts of der.children(buf, values)) {
      for (const ext of der.children(buf, exts)) {
        const parts = der.children(buf, ext);
        if (decodeOid(der.content(buf, parts[0]!)) !== OID_SAN) continue;
        const raw = der.content(buf, parts[parts.length - 1]!);
        for (const s of decodeGeneralNames(raw, der.read(raw))) {
          if (s.type === "dns") sans.push({ type: "dns", value: checkDnsName(s.value, "csr: DNS SAN") });
          else if (s.type === "ip") sans.push({ type: "ip", value: checkIp(s.value, "csr: IP SAN") });
          else sans.push(s);
        }
      }
    }
  }
  if (sans.length === 0) throw bad("csr-no-san", "the request asks for no subjectAltName", "gRPC matches names against SANs only; make the CSR with `raytls csr create --role ...`");
  return { spki, publicKey, sans };
}
