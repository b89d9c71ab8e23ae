/**
 * Reads the fields raytls decides on straight from a certificate's DER: names, key, validity and
 * the extensions of the profile. Small and fast on purpose: the peer-name check, `verify`, CA
 * loading and the signer run it on every call. `inspect` uses @peculiar/x509 for the full picture.
 */
import { X509Certificate } from "node:crypto";
import { RaytlsError, describeCause } from "../errors.js";
import * as der from "./der.js";
import { ipToText } from "./names.js";
import { parsePem } from "./pem.js";
import type { San } from "./san.js";

export interface CertificateFacts {
  der: Uint8Array;
  node: X509Certificate;
  serialHex: string;
  issuerDer: Uint8Array;
  subjectDer: Uint8Array;
  spki: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** Absent when the certificate has no subjectAltName extension at all. */
  sans: San[] | undefined;
  commonName: string | undefined;
  /** basicConstraints: undefined when the extension is absent. */
  ca: { isCa: boolean; pathLen?: number } | undefined;
  /** keyUsage bit names, undefined when the extension is absent. */
  keyUsage: string[] | undefined;
  /** extKeyUsage OIDs, undefined when the extension is absent. */
  extKeyUsage: string[] | undefined;
  subjectKeyId: string | undefined;
  authorityKeyId: string | undefined;
  signatureAlgorithmOid: string;
}

export const EKU = { serverAuth: "1.3.6.1.5.5.7.3.1", clientAuth: "1.3.6.1.5.5.7.3.2", any: "2.5.29.37.0" };
const KEY_USAGE_BITS = ["digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly"];

export function decodeOid(b: Uint8Array): string {
  const arcs: number[] = [];
  let v = 0;
  for (const byte of b) {
    v = v * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      if (arcs.length === 0) arcs.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else arcs.push(v);
      v = 0;
    }
  }
  return arcs.join(".");
}

function decodeTime(buf: Uint8Array, n: der.Node): Date {
  const s = Buffer.from(der.content(buf, n)).toString("latin1");
  const full = n.tag === 0x17 ? `${Number(s.slice(0, 2)) >= 50 ? "19" : "20"}${s}` : s;
  return new Date(`${full.slice(0, 4)}-${full.slice(4, 6)}-${full.slice(6, 8)}T${full.slice(8, 10)}:${full.slice(10, 12)}:${full.slice(12, 14)}Z`);
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

/** Decodes GeneralNames (RFC 5280 4.2.1.6) into the SAN strings gRPC C-core compares. */
export function decodeGeneralNames(buf: Uint8Array, seq: der.Node): San[] {
  const out: San[] = [];
  for (const gn of der.children(buf, seq)) {
    const c = der.content(buf, gn);
    const text = Buffer.from(c).toString("latin1");
    switch (gn.tag) {
      case 0x82:
        out.push({ type: "dns", value: text });
        break;
      case 0x87:
        out.push({ type: "ip", value: ipToText(c) });
        break;
      case 0x86:
        out.push({ type: "uri", value: text });
        break;
      case 0x81:
        out.push({ type: "email", value: text });
        break;
    }
  }
  return out;
}

export function readCertificateDer(bytes: Uint8Array, where = "certificate"): CertificateFacts {
  try {
    const top = der.read(bytes);
    const [tbsNode, sigAlg] = der.children(bytes, top);
    const parts = der.children(bytes, tbsNode!);
    let i = parts[0]!.tag === 0xa0 ? 1 : 0;
    const serial = parts[i++]!;
    i++; // signature algorithm inside TBS
    const issuer = parts[i++]!;
    const validityNode = parts[i++]!;
    const subject = parts[i++]!;
    const spki = parts[i++]!;
    const [nb, na] = der.children(bytes, validityNode);
    const facts: CertificateFacts = {
      der: bytes,
      node: new X509Certificate(Buffer.from(bytes)),
      serialHex: hex(der.content(bytes, serial)).replace(/^00(?=[89a-f])/, ""),
      issuerDer: der.slice(bytes, issuer),
      subjectDer: der.slice(bytes, subject),
      spki: der.slice(bytes, spki),
      notBefore: decodeTime(bytes, nb!),
      notAfter: decodeTime(bytes, na!),
      sans: undefined,
      commonName: undefined,
      ca: undefined,
      keyUsage: undefined,
      extKeyUsage: undefined,
      subjectKeyId: undefined,
      authorityKeyId: undefined,
      signatureAlgorithmOid: decodeOid(der.content(bytes, der.children(bytes, sigAlg!)[0]!)),
    };
    for (const rdn of der.children(bytes, subject)) {
      for (const atv of der.children(bytes, rdn)) {
        const [type, value] = der.children(bytes, atv);
        // The first CN, as gRPC C-core takes it.
        if (decodeOid(der.content(bytes, type!)) === "2.5.4.3" && facts.commonName === undefined) facts.commonName = Buffer.from(der.content(bytes, value!)).toString("utf8");
      }
    }
    const extWrapper = parts.slice(i).find((p) => p.tag === 0xa3);
    if (extWrapper) {
      const [extSeq] = der.children(bytes, extWrapper);
      for (const ext of der.children(bytes, extSeq!)) {
        const kids = der.children(bytes, ext);
        const id = decodeOid(der.content(bytes, kids[0]!));
        const valueNode = kids[kids.length - 1]!;
        const inner = der.read(bytes, valueNode.contentStart);
        readExtension(bytes, id, inner, facts);
      }
    }
    return facts;
  } catch (err) {
    if (err instanceof RaytlsError) throw err;
    throw new RaytlsError("bad-certificate", `${where}: not a readable X.509 certificate: ${describeCause(err)}`, {
      hint: "the file is damaged or truncated; copy it again or re-issue it",
      cause: err,
    });
  }
}

function readExtension(buf: Uint8Array, id: string, inner: der.Node, f: CertificateFacts): void {
  switch (id) {
    case "2.5.29.17":
      f.sans = decodeGeneralNames(buf, inner);
      break;
    case "2.5.29.19": {
      const kids = der.children(buf, inner);
      let isCa = false;
      let pathLen: number | undefined;
      for (const k of kids) {
        if (k.tag === 0x01) isCa = buf[k.contentStart] !== 0;
        if (k.tag === 0x02) pathLen = Number.parseInt(hex(der.content(buf, k)), 16);
      }
      f.ca = pathLen === undefined ? { isCa } : { isCa, pathLen };
      break;
    }
    case "2.5.29.15": {
      const c = der.content(buf, inner);
      const names: string[] = [];
      for (let bit = 0; bit < KEY_USAGE_BITS.length; bit++) {
        const byte = c[1 + (bit >> 3)];
        if (byte !== undefined && byte & (0x80 >> (bit & 7))) names.push(KEY_USAGE_BITS[bit]!);
      }
      f.keyUsage = names;
      break;
    }
    case "2.5.29.37":
      f.extKeyUsage = der.children(buf, inner).map((k) => decodeOid(der.content(buf, k)));
      break;
    case "2.5.29.14":
      f.subjectKeyId = hex(der.content(buf, inner));
      break;
    case "2.5.29.35": {
      const kid = der.children(buf, inner).find((k) => k.tag === 0x80);
      if (kid) f.authorityKeyId = hex(der.content(buf, kid));
      break;
    }
  }
}

/** Every certificate in a PEM file, in order; errors name the file and the line of a bad block. */
export function readCertificatesPem(text: string, where: string): CertificateFacts[] {
  const { blocks, broken } = parsePem(text);
  const bad = broken.find((b) => b.label.includes("CERTIFICATE"));
  if (bad) {
    throw new RaytlsError("bad-pem", `${where}:${bad.line}: ${bad.label} block ${bad.why}`, {
      hint: "the file is damaged or truncated; copy it again or re-issue it",
    });
  }
  const certs = blocks.filter((b) => b.label === "CERTIFICATE");
  if (certs.length === 0) {
    const found = blocks.map((b) => b.label);
    throw new RaytlsError("not-a-certificate", `${where}: no PEM certificate found${found.length ? ` (found ${found.join(", ")})` : ""}`, {
      hint: found.some((l) => l.includes("PRIVATE KEY")) ? "this looks like a key file; pass the certificate (.crt) here" : "expected a block starting with -----BEGIN CERTIFICATE-----",
    });
  }
  return certs.map((b) => readCertificateDer(b.der, `${where}:${b.line}`));
}

export function readCertificatePem(text: string, where: string): CertificateFacts {
  return readCertificatesPem(text, where)[0]!;
}
