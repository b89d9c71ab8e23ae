/**
 * Certificate signing requests (the seed's `openssl req -new` then `x509 -req`): made where the key
 * lives (raytls's DER writer), signed where the CA lives. Signing applies the leaf profile whatever the CSR asks for:
 * its key and names are taken, its basicConstraints, key usages and validity never are.
 */
import { createPublicKey, sign, type KeyObject } from "node:crypto";
import { RaytlsError, describeCause } from "../errors.js";
import { algorithmOid, decodeExtensions, decodePublicKeyInfo, type PublicKeyInfo } from "./certificate.js";
import { signatureAlgorithm } from "./certificate-builder.js";
import { sanExtension } from "./certificate-profile.js";
import * as der from "./der.js";
import * as r from "./der-reader.js";
import { decodeName, encodeName } from "./distinguished-name.js";
import { DEFAULT_KEY_TYPE, type KeyType } from "./key-types.js";
import { assertStrongKey, generateKey } from "./keys.js";
import { checkDnsName, checkIp } from "./names.js";
import { parsePem, toPem } from "./pem.js";
import { OID } from "./oids.js";
import { podSans, type PodIdentity } from "./pod-identity.js";
import { decodeGeneralNames, type San } from "./san.js";
import { checkSignature } from "./signature.js";

export interface CreatedCsr {
  csrPem: string;
  keyPem: string;
  sans: San[];
}

/**
 * A key and a CSR for it (RFC 2986), written by raytls's own DER writer and signed with
 * node:crypto: what `openssl req -new` does in the seed's Step 2. Async for API stability.
 */
export async function createCsr(o: PodIdentity & { keyType?: KeyType }): Promise<CreatedCsr> {
  const sans = podSans(o);
  const key = generateKey(o.keyType ?? DEFAULT_KEY_TYPE);
  const cn = o.role === "head" ? sans[1]!.value : o.podIp;
  const info = der.sequence(
    der.smallInteger(0),
    encodeName([["CN", cn], ["OU", o.role], ["O", "raytls"]]),
    key.spki,
    der.explicit(0, der.sequence(der.oid(OID.extensionRequest), der.set(der.sequence(sanExtension(sans))))),
  );
  const { algorithm, hash } = signatureAlgorithm(key.privateKey);
  const csr = der.sequence(info, algorithm, der.bitString(new Uint8Array(sign(hash, info, key.privateKey))));
  return { csrPem: toPem("CERTIFICATE REQUEST", csr), keyPem: key.privatePem, sans };
}

export interface ParsedCsr {
  /** SubjectPublicKeyInfo, DER. */
  spki: Uint8Array;
  publicKey: KeyObject;
  /** e.g. "CN=10.0.0.5, OU=worker, O=raytls". */
  subject: string;
  /** The DNS and IP names the CSR asks for, checked as DNS names and IPs. */
  sans: San[];
  /** Other SAN types it asks for (URI, email, otherName, dirName, RID, ...): never granted; the signer and `csr sign` refuse them. */
  otherSans: San[];
  /** What the CSR asked for that signing ignores (e.g. "CA:TRUE"). */
  ignored: string[];
}

/**
 * Parses a PEM CSR (RFC 2986) strictly and checks its self-signature, the requester's proof that
 * it holds the key. Read with the strict DER reader and verified with node:crypto (through
 * @peculiar/x509 and WebCrypto this took about 2 ms per CSR, issue #5). Everything inside the
 * request, its extensions included, is read inside one error boundary: any malformed CSR is a
 * `bad-csr` error (exit 2, HTTP 400) naming the CSR and the field (issue 12). The requested key
 * must be one raytls issues for: a named P-256/P-384 curve or RSA >= 2048 (issue 13).
 * test/pki/csr-parse.test.ts checks it against @peculiar/x509 and `openssl req -verify`.
 */
export function parseCsr(pem: string, where: string): ParsedCsr {
  const { blocks, broken } = parsePem(pem);
  const block = blocks.find((b) => b.label === "CERTIFICATE REQUEST" || b.label === "NEW CERTIFICATE REQUEST");
  if (!block) {
    const why = broken[0] ? `:${broken[0].line}: ${broken[0].label} block ${broken[0].why}` : ": no PEM certificate request found";
    throw new RaytlsError("bad-csr", `${where}${why}`, { hint: "expected a block starting with -----BEGIN CERTIFICATE REQUEST----- (raytls csr create makes one)" });
  }
  return parseCsrDer(block.der, where);
}

/** The DER half of parseCsr (pure: bytes in, a ParsedCsr or a RaytlsError out). */
export function parseCsrDer(buf: Uint8Array, where: string): ParsedCsr {
  let read: ReturnType<typeof readRequest>;
  try {
    read = readRequest(buf);
  } catch (err) {
    if (err instanceof RaytlsError && err.code === "bad-der") {
      throw new RaytlsError("bad-csr", `${where}: the certificate request cannot be read: ${err.message}`, { hint: "make it again with `raytls csr create`", cause: err });
    }
    throw err;
  }
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(read.key.spki), format: "der", type: "spki" });
  } catch (err) {
    throw new RaytlsError("bad-csr", `${where}: the request's public key cannot be read: ${describeCause(err)}`, { hint: "use an RSA (>= 2048) or ECDSA P-256/P-384 key", cause: err });
  }
  checkIssuableKey(read.key, publicKey, `${where}: the requested key`);
  const v = checkSignature(read.signatureOid, read.info, read.signature, publicKey);
  if (!v.ok) {
    const why = v.why === "the signature does not verify" ? "the request's signature does not verify" : `the request's signature is refused: ${v.why}`;
    throw new RaytlsError("bad-csr-signature", `${where}: ${why}`, { hint: "the CSR was altered or signed with another key; make it again" });
  }
  const sans: San[] = [];
  const otherSans: San[] = [];
  const ignored: string[] = [];
  for (const s of read.sans ?? []) {
    if (s.type === "dns") sans.push({ type: "dns", value: checkDnsName(s.value, `${where}: DNS SAN`) });
    else if (s.type === "ip") sans.push({ type: "ip", value: checkIp(s.value, `${where}: IP SAN`) });
    else {
      otherSans.push(s);
      ignored.push(`${s.type.toUpperCase()} SAN ${s.value}`);
    }
  }
  ignored.push(...read.ignored);
  if (sans.length === 0) {
    throw new RaytlsError("csr-no-san", `${where}: the request asks for no subjectAltName`, {
      hint: "gRPC matches names against SANs only (never the CN for an IP); make the CSR with `raytls csr create --role ...`",
    });
  }
  return { spki: read.key.spki, publicKey, subject: read.subject, sans, otherSans, ignored };
}

/**
 * Only keys raytls itself issues for: ECDSA on a named P-256 or P-384 curve, RSA of 2048 bits or
 * more. An explicit-parameter EC key is refused (openssl error 94; gRPC refuses the handshake).
 */
export function checkIssuableKey(info: PublicKeyInfo, key: KeyObject, where: string): void {
  if (info.explicitParameters) throw new RaytlsError("unsupported-key", `${where}: an EC key with explicit curve parameters; openssl (error 94) and gRPC refuse such certificates`, { hint: "use a named curve: ecdsa-p256 or ecdsa-p384" });
  assertStrongKey(key, where);
}

/** CertificationRequest (RFC 2986 4) field by field; throws bad-der errors naming the field. */
function readRequest(buf: Uint8Array): { info: Uint8Array; subject: string; key: PublicKeyInfo; signatureOid: string; signature: Uint8Array; sans: San[] | undefined; ignored: string[] } {
  const root = "certificationRequest";
  const top = new r.Fields(buf, r.readTop(buf, root, r.TAG.SEQUENCE), root);
  const infoNode = top.next(r.TAG.SEQUENCE, "certificationRequestInfo");
  const signatureOid = algorithmOid(buf, top.next(r.TAG.SEQUENCE, "signatureAlgorithm"), `${root}.signatureAlgorithm`);
  const signature = r.decodeOctetAlignedBits(buf, top.next(r.TAG.BIT_STRING, "signature"), `${root}.signature`);
  top.done();
  const ip = `${root}.certificationRequestInfo`;
  const info = new r.Fields(buf, infoNode, ip);
  const version = r.decodeSmallInteger(buf, info.next(r.TAG.INTEGER, "version"), `${ip}.version`);
  if (version !== 0) throw r.derError(`${ip}.version`, `version ${version}; PKCS#10 v1 is 0`);
  const subject = decodeName(buf, info.next(r.TAG.SEQUENCE, "subject"), `${ip}.subject`).text;
  const key = decodePublicKeyInfo(buf, info.next(r.TAG.SEQUENCE, "subjectPKInfo"), `${ip}.subjectPKInfo`);
  const attrs = info.next(0xa0, "attributes");
  info.done();
  let sans: San[] | undefined;
  const ignored: string[] = [];
  r.children(buf, attrs, `${ip}.attributes`).forEach((attr, i) => {
    const ap = `${ip}.attributes[${i}]`;
    const f = new r.Fields(buf, r.expectTag(attr, r.TAG.SEQUENCE, ap), ap);
    const type = r.decodeOid(buf, f.next(r.TAG.OID, "type"), `${ap}.type`);
    const values = r.children(buf, f.next(r.TAG.SET, "values"), `${ap}.values`);
    f.done();
    if (type !== OID.extensionRequest) {
      ignored.push(`attribute ${type}`);
      return;
    }
    if (values.length !== 1) throw r.derError(`${ap}.values`, `extensionRequest must hold one Extensions value, holds ${values.length}`);
    // decodeExtensions reads a [3]-style wrapper; give it the SET as the wrapper of one SEQUENCE.
    for (const [j, ext] of decodeExtensions(buf, { ...values[0]!, tag: 0xa3, contentStart: values[0]!.start, end: values[0]!.end }, `${ap}.extensions`).entries()) {
      const ep = `${ap}.extensions[${j}]`;
      if (ext.oid === OID.subjectAltName) {
        sans = decodeGeneralNames(ext.value, r.readTop(ext.value, `${ep}(subjectAltName)`), `${ep}(subjectAltName)`, (b, n, p) => decodeName(b, n, p).text);
      } else if (ext.oid === OID.basicConstraints) {
        const bc = new r.Fields(ext.value, r.readTop(ext.value, `${ep}(basicConstraints)`, r.TAG.SEQUENCE), `${ep}(basicConstraints)`);
        const ca = bc.optional(r.TAG.BOOLEAN);
        if (ca && r.decodeBoolean(ext.value, ca, `${ep}(basicConstraints).cA`)) ignored.push("CA:TRUE");
      } else {
        ignored.push(`extension ${ext.oid}`);
      }
    }
  });
  return { info: r.slice(buf, infoNode), subject, key, signatureOid, signature, sans, ignored };
}
