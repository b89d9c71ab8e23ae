/**
 * Subject names in openssl's `-subj` notation ("/CN=*.kuberay.com/C=US/L=San Francisco"), encoded
 * as an RFC 5280 Name: one attribute per RDN, in the order given.
 */
import { RaytlsError } from "../errors.js";
import * as der from "./der.js";
import * as r from "./der-reader.js";
import { decodeString } from "./der-text.js";
import { OID, RDN_ATTRIBUTES as ATTRIBUTES, rdnName } from "./oids.js";

export type Rdn = [attribute: string, value: string];

export function parseSubject(s: string, where = "subject"): Rdn[] {
  const text = s.trim();
  if (!text.startsWith("/")) {
    throw new RaytlsError("bad-subject", `${where}: "${s}" must start with "/" like openssl -subj`, {
      hint: 'write it as "/CN=Ray CA/O=Example"',
      field: where,
    });
  }
  const rdns: Rdn[] = [];
  // Split on "/" not escaped by a backslash.
  for (const part of text.slice(1).split(/(?<!\\)\//)) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const key = eq > 0 ? part.slice(0, eq).trim() : "";
    const value = eq > 0 ? part.slice(eq + 1).replace(/\\\//g, "/") : "";
    const attr = Object.keys(ATTRIBUTES).find((k) => k.toLowerCase() === key.toLowerCase());
    if (!attr || value === "") {
      throw new RaytlsError("bad-subject", `${where}: cannot read "${part}"`, {
        hint: `each part is KEY=value with KEY one of ${Object.keys(ATTRIBUTES).join(", ")}`,
        field: where,
      });
    }
    if (attr === "C" && !/^[A-Z]{2}$/i.test(value)) {
      throw new RaytlsError("bad-subject", `${where}: country "C=${value}" must be two letters`, { hint: "e.g. C=US", field: where });
    }
    rdns.push([attr, value]);
  }
  if (rdns.length === 0) throw new RaytlsError("bad-subject", `${where}: the subject is empty`, { hint: 'e.g. "/CN=Ray CA"', field: where });
  return rdns;
}

export function encodeName(rdns: Rdn[]): Uint8Array {
  return der.sequence(
    ...rdns.map(([attr, value]) => {
      // RFC 5280 4.1.2.4: UTF8String, except countryName which is PrintableString.
      const v = attr === "C" ? der.printableString(value.toUpperCase()) : attr === "emailAddress" ? der.ia5String(value) : der.utf8String(value);
      return der.set(der.sequence(der.oid(ATTRIBUTES[attr]!), v));
    }),
  );
}

export function formatSubject(rdns: Rdn[]): string {
  return rdns.map(([k, v]) => `${k}=${v}`).join(", ");
}

/** A Name as read from DER: its attributes in order, and its text ("CN=a, O=b"). */
export interface DecodedName {
  /** The Name's DER, byte for byte (issuer/subject links compare these). */
  der: Uint8Array;
  attributes: Array<{ oid: string; value: string }>;
  text: string;
  /** The first CN, as gRPC C-core takes it (X509_NAME_get_index_by_NID from -1). */
  commonName: string | undefined;
}

/** RFC 4514 escaping of the characters that would make the one-line form ambiguous. */
const NEEDS_ESCAPE = /[\\,+"<>;]|^[ #]| $/;
const escapeValue = (v: string): string => (NEEDS_ESCAPE.test(v) ? v.replace(/[\\,+"<>;]/g, (c) => `\\${c}`).replace(/^[ #]|[ ]$/g, (c) => `\\${c}`) : v);

/** Name (RFC 5280 4.1.2.4), strictly: SEQUENCE OF non-empty SET OF {OID, string}. */
export function decodeName(buf: Uint8Array, name: r.Node, path: string): DecodedName {
  r.expectTag(name, r.TAG.SEQUENCE, path);
  const attributes: Array<{ oid: string; value: string }> = [];
  const parts: string[] = [];
  let commonName: string | undefined;
  r.children(buf, name, path).forEach((rdn, i) => {
    const rp = `${path}[${i}]`;
    r.expectTag(rdn, r.TAG.SET, rp);
    const atvs = r.children(buf, rdn, rp);
    if (atvs.length === 0) throw r.derError(rp, "empty RelativeDistinguishedName");
    const group: string[] = [];
    atvs.forEach((atv, j) => {
      const ap = `${rp}[${j}]`;
      const f = new r.Fields(buf, r.expectTag(atv, r.TAG.SEQUENCE, ap), ap);
      const oid = r.decodeOid(buf, f.next(r.TAG.OID, "type"), `${ap}.type`);
      const value = decodeString(buf, f.any("value"), `${ap}.value(${rdnName(oid)})`);
      f.done();
      attributes.push({ oid, value });
      if (oid === OID.commonName && commonName === undefined) commonName = value;
      group.push(`${rdnName(oid)}=${escapeValue(value)}`);
    });
    parts.push(group.join(" + "));
  });
  return { der: r.slice(buf, name), attributes, text: parts.join(", "), commonName };
}
