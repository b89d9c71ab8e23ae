/**
 * Certificate signing requests (the seed's `openssl req -new` then `x509 -req`): made where the key
 * lives (with @peculiar/x509), signed where the CA lives. Signing applies the leaf profile whatever the CSR asks for:
 * its key and names are taken, its basicConstraints, key usages and validity never are.
 */
import { createPublicKey, verify, type KeyObject } from "node:crypto";
import { RaytlsError, describeCause } from "../errors.js";
import { decodeGeneralNames, decodeOid } from "./certificate-reader.js";
import * as der from "./der.js";
import { encodeName } from "./distinguished-name.js";
import { DEFAULT_KEY_TYPE, type KeyType } from "./key-types.js";
import { generateKey } from "./keys.js";
import { checkDnsName, checkIp } from "./names.js";
import { parsePem } from "./pem.js";
import { podSans, type PodIdentity } from "./pod-identity.js";
import type { San } from "./san.js";
import { toCryptoKeyPair, webAlgorithm, x509 } from "./x509-provider.js";

export interface CreatedCsr {
  csrPem: string;
  keyPem: string;
  sans: San[];
}

export async function createCsr(o: PodIdentity & { keyType?: KeyType }): Promise<CreatedCsr> {
  const sans = podSans(o);
  const key = generateKey(o.keyType ?? DEFAULT_KEY_TYPE);
  const keys = await toCryptoKeyPair(key.privateKey, key.spki);
  const cn = o.role === "head" ? sans[1]!.value : o.podIp;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: new x509.Name(Buffer.from(encodeName([["CN", cn], ["OU", o.role], ["O", "raytls"]]))),
    keys,
    signingAlgorithm: webAlgorithm(key.privateKey),
    extensions: [new x509.SubjectAlternativeNameExtension(sans.map((s) => ({ type: s.type, value: s.value })))],
  });
  return { csrPem: csr.toString("pem") + "\n", keyPem: key.privatePem, sans };
}

export interface ParsedCsr {
  /** SubjectPublicKeyInfo, DER. */
  spki: Uint8Array;
  publicKey: KeyObject;
  /** e.g. "CN=10.0.0.5, OU=worker, O=raytls". */
  subject: string;
  /** The DNS and IP names the CSR asks for, checked as DNS names and IPs. */
  sans: San[];
  /** Other SAN types it asks for (URI, email): signing never grants them; the signer refuses them. */
  otherSans: San[];
  /** What the CSR asked for that signing ignores (e.g. "CA:TRUE"). */
  ignored: string[];
}

const OID_EXTENSION_REQUEST = "1.2.840.113549.1.9.14";
/** Signature algorithms a CSR may use, and the hash node:crypto verifies with. */
const SIGNATURE_HASH: Record<string, string> = {
  "1.2.840.10045.4.3.2": "sha256",
  "1.2.840.10045.4.3.3": "sha384",
  "1.2.840.10045.4.3.4": "sha512",
  "1.2.840.113549.1.1.11": "sha256",
  "1.2.840.113549.1.1.12": "sha384",
  "1.2.840.113549.1.1.13": "sha512",
};
const NAME_ATTRIBUTES: Record<string, string> = { "2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.10": "O", "2.5.4.11": "OU" };

/**
 * Parses a PEM CSR (RFC 2986) and checks its self-signature, the requester's proof that it holds
 * the key. Read with the DER reader and verified with node:crypto: through @peculiar/x509 and
 * WebCrypto this took about 2 ms per CSR, which alone would spend the signer's budget of 1,000
 * certificates in 2 s (issue #5); this takes about 0.1 ms. test/pki/csr-parse.test.ts checks it
 * against @peculiar/x509 and openssl.
 */
export function parseCsr(pem: string, where: string): ParsedCsr {
  const { blocks, broken } = parsePem(pem);
  const block = blocks.find((b) => b.label === "CERTIFICATE REQUEST" || b.label === "NEW CERTIFICATE REQUEST");
  if (!block) {
    const why = broken[0] ? `:${broken[0].line}: ${broken[0].label} block ${broken[0].why}` : ": no PEM certificate request found";
    throw new RaytlsError("bad-csr", `${where}${why}`, { hint: "expected a block starting with -----BEGIN CERTIFICATE REQUEST----- (raytls csr create makes one)" });
  }
  const buf = block.der;
  let info: der.Node, alg: der.Node, sig: der.Node, infoParts: der.Node[];
  try {
    const top = der.read(buf);
    [info, alg, sig] = der.children(buf, top) as [der.Node, der.Node, der.Node];
    infoParts = der.children(buf, info);
    if (top.end !== buf.length || sig?.tag !== 0x03 || infoParts[1]?.tag !== 0x30 || infoParts[2]?.tag !== 0x30) throw new RangeError("not a CertificationRequest");
  } catch (err) {
    throw new RaytlsError("bad-csr", `${where}: the certificate request cannot be read: ${describeCause(err)}`, { hint: "make it again with `raytls csr create`", cause: err });
  }
  const spki = der.slice(buf, infoParts[2]!);
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  } catch (err) {
    throw new RaytlsError("bad-csr", `${where}: the request's public key cannot be read: ${describeCause(err)}`, { hint: "use an RSA (>= 2048) or ECDSA P-256/P-384 key", cause: err });
  }
  const algOid = decodeOid(der.content(buf, der.children(buf, alg)[0]!));
  const hash = SIGNATURE_HASH[algOid];
  if (!hash) throw new RaytlsError("bad-csr", `${where}: signature algorithm ${algOid} is not supported`, { hint: "use an RSA (>= 2048) or ECDSA P-256/P-384 key" });
  let valid = false;
  try {
    // Skip the BIT STRING's unused-bits byte.
    valid = verify(hash, der.slice(buf, info), publicKey, der.content(buf, sig).subarray(1));
  } catch {
    valid = false;
  }
  if (!valid) {
    throw new RaytlsError("bad-csr-signature", `${where}: the request's signature does not verify`, { hint: "the CSR was altered or signed with another key; make it again" });
  }
  const sans: San[] = [];
  const otherSans: San[] = [];
  const ignored: string[] = [];
  const attrs = infoParts.find((n) => n.tag === 0xa0);
  for (const attr of attrs ? der.children(buf, attrs) : []) {
    const [type, values] = der.children(buf, attr) as [der.Node, der.Node];
    if (decodeOid(der.content(buf, type)) !== OID_EXTENSION_REQUEST) continue;
    for (const exts of der.children(buf, values)) {
      for (const ext of der.children(buf, exts)) {
        const parts = der.children(buf, ext);
        const id = decodeOid(der.content(buf, parts[0]!));
        const raw = der.content(buf, parts[parts.length - 1]!);
        if (id === "2.5.29.17") {
          for (const s of decodeGeneralNames(raw, der.read(raw))) {
            if (s.type === "dns") sans.push({ type: "dns", value: checkDnsName(s.value, `${where}: DNS SAN`) });
            else if (s.type === "ip") sans.push({ type: "ip", value: checkIp(s.value, `${where}: IP SAN`) });
            else {
              otherSans.push(s);
              ignored.push(`${s.type.toUpperCase()} SAN ${s.value}`);
            }
          }
        } else if (id === "2.5.29.19") {
          const bc = der.read(raw);
          const first = der.children(raw, bc)[0];
          if (first?.tag === 0x01 && raw[first.contentStart] !== 0) ignored.push("CA:TRUE");
        } else {
          ignored.push(`extension ${id}`);
        }
      }
    }
  }
  if (sans.length === 0) {
    throw new RaytlsError("csr-no-san", `${where}: the request asks for no subjectAltName`, {
      hint: "gRPC matches names against SANs only (never the CN for an IP); make the CSR with `raytls csr create --role ...`",
    });
  }
  return { spki, publicKey, subject: decodeName(buf, infoParts[1]!), sans, otherSans, ignored };
}

function decodeName(buf: Uint8Array, name: der.Node): string {
  const parts: string[] = [];
  for (const rdn of der.children(buf, name)) {
    for (const atv of der.children(buf, rdn)) {
      const [type, value] = der.children(buf, atv) as [der.Node, der.Node];
      const id = decodeOid(der.content(buf, type));
      parts.push(`${NAME_ATTRIBUTES[id] ?? id}=${Buffer.from(der.content(buf, value)).toString("utf8")}`);
    }
  }
  return parts.join(", ");
}
