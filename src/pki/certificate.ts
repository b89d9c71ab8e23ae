/**
 * The one certificate value of raytls (issue 12): parsed once, strictly, from DER by raytls's
 * own reader (der-reader.ts), and read by every caller: verify, inspect, the per-handshake peer
 * check, the TLS probe, health diagnosis, CA loading. Node's X509Certificate is never needed:
 * signatures are checked with node:crypto on the parsed key, so an untrusted certificate never
 * reaches a Node parser that can crash the process (Node 20.20 segfaults in X509ToObject on an
 * EKU OID of 600+ bytes, issue 13).
 *
 * `parseCertificate` is pure (bytes in, a Certificate or a RaytlsError naming the field out), for
 * the fuzz targets.
 */
import * as r from "./der-reader.js";
import { decodeTime } from "./der-text.js";
import { decodeName, type DecodedName } from "./distinguished-name.js";
import { KEY_USAGE_NAMES, OID } from "./oids.js";
import { decodeGeneralNames, type San } from "./san.js";

export interface CertificateExtension {
  oid: string;
  critical: boolean;
  /** extnValue's content (the DER the OCTET STRING wraps). */
  value: Uint8Array;
}

export interface PublicKeyInfo {
  /** The SubjectPublicKeyInfo DER, byte for byte. */
  spki: Uint8Array;
  algorithmOid: string;
  /** EC keys: the named curve's OID; undefined for other keys or explicit parameters. */
  curveOid: string | undefined;
  /** EC keys given by explicit curve parameters, which OpenSSL 3 and gRPC refuse (issue 13). */
  explicitParameters: boolean;
  /** The subjectPublicKey BIT STRING's bytes. */
  keyBits: Uint8Array;
}

export interface Certificate {
  der: Uint8Array;
  /** tbsCertificate's DER: the signed bytes. */
  tbs: Uint8Array;
  /** 1, 2 or 3. */
  version: number;
  serial: r.DerInteger;
  /** The outer signatureAlgorithm (equal to tbsCertificate.signature, which is checked). */
  signatureAlgorithmOid: string;
  signature: Uint8Array;
  issuer: DecodedName;
  subject: DecodedName;
  /** The subject's first CN. */
  commonName: string | undefined;
  notBefore: Date;
  notAfter: Date;
  publicKey: PublicKeyInfo;
  extensions: CertificateExtension[];
  /** Absent when the certificate has no subjectAltName extension at all. */
  sans: San[] | undefined;
  /** basicConstraints: undefined when the extension is absent. */
  basicConstraints: { ca: boolean; pathLength?: number; critical: boolean } | undefined;
  /** keyUsage bit names, undefined when the extension is absent. */
  keyUsage: string[] | undefined;
  /** extKeyUsage OIDs, undefined when the extension is absent. */
  extKeyUsage: string[] | undefined;
  /** Lower-case hex. */
  subjectKeyId: string | undefined;
  authorityKeyId: string | undefined;
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString("hex");

/**
 * Parses one DER certificate (RFC 5280 4.1). `where` prefixes every error's field path, e.g.
 * "tls.crt:1" gives "tls.crt:1: certificate.tbsCertificate.validity.notBefore: ...".
 */
export function parseCertificate(input: Uint8Array, where?: string): Certificate {
  // A plain Uint8Array view: Buffer's subarray costs more, and the reader slices a lot.
  const bytes = Buffer.isBuffer(input) ? new Uint8Array(input.buffer, input.byteOffset, input.length) : input;
  const root = where ? `${where}: certificate` : "certificate";
  const top = r.readTop(bytes, root, r.TAG.SEQUENCE);
  const outer = new r.Fields(bytes, top, root);
  const tbsNode = outer.next(r.TAG.SEQUENCE, "tbsCertificate");
  const sigAlgNode = outer.next(r.TAG.SEQUENCE, "signatureAlgorithm");
  const signature = r.decodeOctetAlignedBits(bytes, outer.next(r.TAG.BIT_STRING, "signatureValue"), `${root}.signatureValue`);
  outer.done();

  const tp = `${root}.tbsCertificate`;
  const tbs = new r.Fields(bytes, tbsNode, tp);
  let version = 1;
  const v = tbs.optional(0xa0);
  if (v) {
    const inner = r.children(bytes, v, `${tp}.version`);
    if (inner.length !== 1) throw r.derError(`${tp}.version`, "[0] EXPLICIT must hold one INTEGER");
    version = r.decodeSmallInteger(bytes, inner[0]!, `${tp}.version`, 2) + 1;
    // DER: a DEFAULT value is never encoded (X.690 11.5).
    if (version === 1) throw r.derError(`${tp}.version`, "v1 must be omitted in DER, not encoded");
  }
  const serial = r.decodeInteger(bytes, tbs.next(r.TAG.INTEGER, "serialNumber"), `${tp}.serialNumber`);
  const innerAlg = tbs.next(r.TAG.SEQUENCE, "signature");
  const signatureAlgorithmOid = algorithmOid(bytes, sigAlgNode, `${root}.signatureAlgorithm`);
  algorithmOid(bytes, innerAlg, `${tp}.signature`);
  // RFC 5280 4.1.1.2: the two must be identical.
  if (!sameBytes(r.slice(bytes, innerAlg), r.slice(bytes, sigAlgNode))) throw r.derError(`${tp}.signature`, "differs from the outer signatureAlgorithm (RFC 5280 4.1.1.2)");
  const issuer = decodeName(bytes, tbs.next(r.TAG.SEQUENCE, "issuer"), `${tp}.issuer`);
  if (issuer.attributes.length === 0) throw r.derError(`${tp}.issuer`, "the issuer name is empty (RFC 5280 4.1.2.4)");
  const validity = new r.Fields(bytes, tbs.next(r.TAG.SEQUENCE, "validity"), `${tp}.validity`);
  const notBefore = decodeTime(bytes, validity.any("notBefore"), `${tp}.validity.notBefore`);
  const notAfter = decodeTime(bytes, validity.any("notAfter"), `${tp}.validity.notAfter`);
  validity.done();
  const subject = decodeName(bytes, tbs.next(r.TAG.SEQUENCE, "subject"), `${tp}.subject`);
  const publicKey = decodePublicKeyInfo(bytes, tbs.next(r.TAG.SEQUENCE, "subjectPublicKeyInfo"), `${tp}.subjectPublicKeyInfo`);
  // UniqueIdentifier ::= BIT STRING, implicitly tagged [1] / [2] (RFC 5280 4.1): read as one, so
  // a malformed one is refused as openssl refuses it (found by fuzz/targets.ts, certificate).
  for (const [tag, field] of [[0x81, "issuerUniqueID"], [0x82, "subjectUniqueID"]] as const) {
    const id = tbs.optional(tag);
    if (!id) continue;
    if (version < 2) throw r.derError(`${tp}.${field}`, "only in v2 or v3 certificates");
    r.decodeBitString(bytes, { ...id, tag: r.TAG.BIT_STRING }, `${tp}.${field}`);
  }
  const extWrapper = tbs.optional(0xa3);
  tbs.done();

  const cert: Certificate = {
    der: bytes,
    tbs: r.slice(bytes, tbsNode),
    version,
    serial,
    signatureAlgorithmOid,
    signature,
    issuer,
    subject,
    commonName: subject.commonName,
    notBefore,
    notAfter,
    publicKey,
    extensions: [],
    sans: undefined,
    basicConstraints: undefined,
    keyUsage: undefined,
    extKeyUsage: undefined,
    subjectKeyId: undefined,
    authorityKeyId: undefined,
  };
  if (extWrapper) {
    if (version !== 3) throw r.derError(`${tp}.extensions`, "extensions are only allowed in v3 certificates");
    cert.extensions = decodeExtensions(bytes, extWrapper, `${tp}.extensions`);
    for (const [i, ext] of cert.extensions.entries()) readKnownExtension(ext, `${tp}.extensions[${i}]`, cert);
  }
  return cert;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/**
 * AlgorithmIdentifier: its OID; parameters, if any, are one value (NULL for RSA PKCS#1, absent
 * for ECDSA, a SEQUENCE for RSA-PSS: kept readable so the peer check can name such a peer, while
 * verify refuses algorithms it does not know).
 */
export function algorithmOid(buf: Uint8Array, n: r.Node, path: string): string {
  const f = new r.Fields(buf, n, path);
  const oid = r.decodeOid(buf, f.next(r.TAG.OID, "algorithm"), `${path}.algorithm`);
  const params = f.rest();
  if (params.length > 1) throw r.derError(`${path}.parameters`, "more than one parameters value");
  // Parameters are absent, a primitive NULL (RSA), an OID (a named curve) or a SEQUENCE (RSA-PSS,
  // explicit curves); anything else openssl refuses, and so does raytls (found by fuzz/targets.ts, csr).
  const p = params[0];
  if (p && p.tag !== r.TAG.NULL && p.tag !== r.TAG.OID && p.tag !== r.TAG.SEQUENCE) throw r.derError(`${path}.parameters`, `unexpected ${r.tagName(p.tag)}`);
  if (p?.tag === r.TAG.NULL) r.decodeNull(buf, p, `${path}.parameters`);
  return oid;
}

/** SubjectPublicKeyInfo (RFC 5280 4.1.2.7), noting how an EC key names its curve. */
export function decodePublicKeyInfo(buf: Uint8Array, n: r.Node, path: string): PublicKeyInfo {
  const f = new r.Fields(buf, n, path);
  const alg = new r.Fields(buf, f.next(r.TAG.SEQUENCE, "algorithm"), `${path}.algorithm`);
  const algorithmOid = r.decodeOid(buf, alg.next(r.TAG.OID, "algorithm"), `${path}.algorithm.algorithm`);
  let curveOid: string | undefined;
  let explicitParameters = false;
  const params = alg.rest();
  if (params.length > 1) throw r.derError(`${path}.algorithm.parameters`, "more than one parameters value");
  const p = params[0];
  if (algorithmOid === OID.ecPublicKey) {
    if (p?.tag === r.TAG.OID) curveOid = r.decodeOid(buf, p, `${path}.algorithm.parameters`);
    else if (p?.tag === r.TAG.SEQUENCE) explicitParameters = true;
    else throw r.derError(`${path}.algorithm.parameters`, "an EC key must name its curve");
  } else if (algorithmOid === OID.rsaEncryption) {
    if (!p) throw r.derError(`${path}.algorithm.parameters`, "rsaEncryption needs NULL parameters (RFC 3279 2.3.1)");
    r.decodeNull(buf, p, `${path}.algorithm.parameters`);
  }
  const keyBits = r.decodeOctetAlignedBits(buf, f.next(r.TAG.BIT_STRING, "subjectPublicKey"), `${path}.subjectPublicKey`);
  f.done();
  return { spki: r.slice(buf, n), algorithmOid, curveOid, explicitParameters, keyBits };
}

/** Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension; one instance of each (RFC 5280 4.2). */
export function decodeExtensions(buf: Uint8Array, wrapper: r.Node, path: string): CertificateExtension[] {
  const inner = r.children(buf, wrapper, path);
  if (inner.length !== 1) throw r.derError(path, "[3] EXPLICIT must hold one SEQUENCE");
  const list = r.children(buf, r.expectTag(inner[0], r.TAG.SEQUENCE, path), path);
  if (list.length === 0) throw r.derError(path, "empty extensions list (RFC 5280: SIZE (1..MAX))");
  const seen = new Set<string>();
  return list.map((e, i) => {
    const ep = `${path}[${i}]`;
    const f = new r.Fields(buf, r.expectTag(e, r.TAG.SEQUENCE, ep), ep);
    const oid = r.decodeOid(buf, f.next(r.TAG.OID, "extnID"), `${ep}.extnID`);
    const critNode = f.optional(r.TAG.BOOLEAN);
    const critical = critNode ? r.decodeBoolean(buf, critNode, `${ep}.critical`) : false;
    if (critNode && !critical) throw r.derError(`${ep}.critical`, "FALSE is the default and must be omitted in DER");
    const value = r.content(buf, f.next(r.TAG.OCTET_STRING, "extnValue"));
    f.done();
    // OpenSSL marks a certificate with a repeated extension invalid, and gRPC refuses it.
    if (seen.has(oid)) throw r.derError(`${ep}(${extensionName(oid)})`, "the extension appears twice (RFC 5280 4.2: at most one instance)");
    seen.add(oid);
    return { oid, critical, value };
  });
}

const EXTENSION_NAMES: Record<string, string> = { [OID.subjectAltName]: "subjectAltName", [OID.basicConstraints]: "basicConstraints", [OID.keyUsage]: "keyUsage", [OID.extKeyUsage]: "extKeyUsage", [OID.subjectKeyIdentifier]: "subjectKeyIdentifier", [OID.authorityKeyIdentifier]: "authorityKeyIdentifier" };
const extensionName = (oid: string): string => EXTENSION_NAMES[oid] ?? oid;

/** Decodes an extension raytls decides on into `cert`; others are kept as bytes. */
function readKnownExtension(ext: CertificateExtension, at: string, cert: Certificate): void {
  const path = `${at}(${extensionName(ext.oid)})`;
  const b = ext.value;
  switch (ext.oid) {
    case OID.subjectAltName:
      cert.sans = decodeGeneralNames(b, r.readTop(b, path), path, (buf, n, p) => decodeName(buf, n, p).text);
      break;
    case OID.basicConstraints: {
      const f = new r.Fields(b, r.readTop(b, path, r.TAG.SEQUENCE), path);
      const caNode = f.optional(r.TAG.BOOLEAN);
      const ca = caNode ? r.decodeBoolean(b, caNode, `${path}.cA`) : false;
      if (caNode && !ca) throw r.derError(`${path}.cA`, "FALSE is the default and must be omitted in DER");
      const pl = f.optional(r.TAG.INTEGER);
      f.done();
      cert.basicConstraints = { ca, ...(pl ? { pathLength: r.decodeSmallInteger(b, pl, `${path}.pathLenConstraint`) } : {}), critical: ext.critical };
      break;
    }
    case OID.keyUsage: {
      const bits = r.decodeBitString(b, r.readTop(b, path), path);
      const names: string[] = [];
      KEY_USAGE_NAMES.forEach((name, bit) => {
        const byte = bits.bytes[bit >> 3];
        if (byte !== undefined && byte & (0x80 >> (bit & 7))) names.push(name);
      });
      cert.keyUsage = names;
      break;
    }
    case OID.extKeyUsage: {
      const seq = r.readTop(b, path, r.TAG.SEQUENCE);
      const kids = r.children(b, seq, path);
      if (kids.length === 0) throw r.derError(path, "no key purpose (RFC 5280: SIZE (1..MAX))");
      cert.extKeyUsage = kids.map((k, i) => r.decodeOid(b, k, `${path}[${i}]`));
      break;
    }
    case OID.subjectKeyIdentifier:
      cert.subjectKeyId = hex(r.content(b, r.readTop(b, path, r.TAG.OCTET_STRING)));
      break;
    case OID.authorityKeyIdentifier: {
      const f = new r.Fields(b, r.readTop(b, path, r.TAG.SEQUENCE), path);
      const kid = f.optional(0x80);
      f.optional(0xa1);
      f.optional(0x82);
      f.done();
      if (kid) cert.authorityKeyId = hex(r.content(b, kid));
      break;
    }
  }
}

/** The serial as openssl shows it: colon hex, with a minus sign when negative (RFC 5280 forbids it). */
export function serialText(s: r.DerInteger): string {
  const h = s.hex.length % 2 ? `0${s.hex}` : s.hex;
  const colon = h.toUpperCase().match(/../g)!.join(":");
  if (!s.negative) return colon;
  const n = Number.parseInt(s.hex, 16);
  return Number.isSafeInteger(n) ? `-${n}` : `-${colon}`;
}
