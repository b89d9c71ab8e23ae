/**
 * subjectAltName entries (RFC 5280 4.2.1.6): the one type, the one text form, and the one strict
 * GeneralNames decoder every reader (certificate, CSR, peer check) uses.
 */
import * as r from "./der-reader.js";
import { ia5Text } from "./der-text.js";
import { ipToText } from "./names.js";

/** The four kinds raytls writes and gRPC C-core compares as strings (ray-tls-facts.md section 3). */
export type MatchableSanType = "dns" | "ip" | "uri" | "email";
/** Kinds that are read (so nothing is silently dropped) but never match a name and never issued. */
export type OtherSanType = "othername" | "dirname" | "rid" | "x400" | "edi";

/** One subjectAltName entry as raytls writes and reports it. */
export interface San {
  type: MatchableSanType | OtherSanType;
  value: string;
}

const PREFIX: Record<San["type"], string> = { dns: "DNS", ip: "IP", uri: "URI", email: "email", othername: "othername", dirname: "DirName", rid: "RID", x400: "X400Name", edi: "EdiPartyName" };

export const isMatchable = (s: San): boolean => s.type === "dns" || s.type === "ip" || s.type === "uri" || s.type === "email";

/** "DNS:localhost", "IP:127.0.0.1": the notation of openssl's `-addext subjectAltName=`. */
export function formatSan(s: San): string {
  return `${PREFIX[s.type]}:${s.value}`;
}

export function formatSans(list: San[]): string {
  return list.length ? list.map(formatSan).join(", ") : "(none)";
}

/** Each entry as "DNS:x" (for JSON reports and messages). */
export const sanStrings = (list: San[] | undefined): string[] => (list ?? []).map(formatSan);

/**
 * GeneralNames, strictly: at least one name; each of the nine CHOICEs with its own grammar
 * (otherName = type-id OID + [0] EXPLICIT value, iPAddress 4 or 16 bytes, IA5 text ASCII).
 * `nameText` renders a directoryName (passed in to avoid an import cycle with the Name reader).
 */
export function decodeGeneralNames(buf: Uint8Array, seq: r.Node, path: string, nameText: (buf: Uint8Array, n: r.Node, path: string) => string): San[] {
  r.expectTag(seq, r.TAG.SEQUENCE, path);
  const kids = r.children(buf, seq, path);
  if (kids.length === 0) throw r.derError(path, "GeneralNames holds no name (RFC 5280: SIZE (1..MAX))");
  return kids.map((gn, i) => generalName(buf, gn, `${path}[${i}]`, nameText));
}

function generalName(buf: Uint8Array, gn: r.Node, path: string, nameText: (buf: Uint8Array, n: r.Node, path: string) => string): San {
  const c = r.content(buf, gn);
  switch (gn.tag) {
    case 0x82:
      return { type: "dns", value: ia5Text(c, `${path}.dNSName`) };
    case 0x81:
      return { type: "email", value: ia5Text(c, `${path}.rfc822Name`) };
    case 0x86:
      return { type: "uri", value: ia5Text(c, `${path}.uniformResourceIdentifier`) };
    case 0x87:
      if (c.length !== 4 && c.length !== 16) throw r.derError(`${path}.iPAddress`, `${c.length} bytes; an address is 4 (IPv4) or 16 (IPv6)`);
      return { type: "ip", value: ipToText(c) };
    case 0x88:
      return { type: "rid", value: r.oidText(c, `${path}.registeredID`) };
    case 0xa0: {
      const f = new r.Fields(buf, gn, `${path}.otherName`);
      const type = r.decodeOid(buf, f.next(r.TAG.OID, "type-id"), `${path}.otherName.type-id`);
      const value = f.next(0xa0, "value");
      const inner = r.children(buf, value, `${path}.otherName.value`);
      if (inner.length !== 1) throw r.derError(`${path}.otherName.value`, `[0] EXPLICIT must hold exactly one value, holds ${inner.length}`);
      f.done();
      return { type: "othername", value: type };
    }
    case 0xa4: {
      const inner = r.children(buf, gn, `${path}.directoryName`);
      if (inner.length !== 1) throw r.derError(`${path}.directoryName`, "[4] EXPLICIT must hold exactly one Name");
      return { type: "dirname", value: nameText(buf, r.expectTag(inner[0], r.TAG.SEQUENCE, `${path}.directoryName`), `${path}.directoryName`) };
    }
    case 0xa3:
      r.children(buf, gn, `${path}.x400Address`);
      return { type: "x400", value: "<unsupported>" };
    case 0xa5:
      r.children(buf, gn, `${path}.ediPartyName`);
      return { type: "edi", value: "<unsupported>" };
    default:
      throw r.derError(path, `tag 0x${gn.tag.toString(16)} is not a GeneralName`);
  }
}
