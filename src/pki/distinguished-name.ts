/**
 * Subject names in openssl's `-subj` notation ("/CN=*.kuberay.com/C=US/L=San Francisco"), encoded
 * as an RFC 5280 Name: one attribute per RDN, in the order given.
 */
import { RaytlsError } from "../errors.js";
import * as der from "./der.js";

const ATTRIBUTES: Record<string, string> = {
  CN: "2.5.4.3",
  C: "2.5.4.6",
  L: "2.5.4.7",
  ST: "2.5.4.8",
  O: "2.5.4.10",
  OU: "2.5.4.11",
  emailAddress: "1.2.840.113549.1.9.1",
};

export type Rdn = [attribute: string, value: string];

export function parseSubject(s: string, where = "--subject"): Rdn[] {
  const text = s.trim();
  if (!text.startsWith("/")) {
    throw new RaytlsError("bad-subject", `${where}: "${s}" must start with "/" like openssl -subj`, {
      hint: 'write it as "/CN=Ray CA/O=Example"',
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
      });
    }
    if (attr === "C" && !/^[A-Z]{2}$/i.test(value)) {
      throw new RaytlsError("bad-subject", `${where}: country "C=${value}" must be two letters`, { hint: "e.g. C=US" });
    }
    rdns.push([attr, value]);
  }
  if (rdns.length === 0) throw new RaytlsError("bad-subject", `${where}: the subject is empty`, { hint: 'e.g. "/CN=Ray CA"' });
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
