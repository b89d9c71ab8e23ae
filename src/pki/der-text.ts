/**
 * The strict reader's character strings and times (der-reader.ts has the framing and the other
 * primitives): strings must be valid for their type, times as RFC 5280 4.1.2.5 requires, never an
 * Invalid Date. Errors are bad-der RaytlsErrors naming the field.
 */
import { content, derError, tagName, TAG, type Der, type Node } from "./der-reader.js";

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A directory or IA5 string as text; the characters must be valid for the string type. */
export function decodeString(buf: Der, n: Node, path: string): string {
  const c = content(buf, n);
  switch (n.tag) {
    case TAG.UTF8_STRING:
      try {
        return utf8.decode(c);
      } catch {
        throw derError(path, "UTF8String is not valid UTF-8");
      }
    case TAG.PRINTABLE_STRING: {
      const s = Buffer.from(c).toString("latin1");
      if (!PRINTABLE.test(s)) throw derError(path, "PrintableString holds a character outside its set");
      return s;
    }
    case TAG.NUMERIC_STRING: {
      const s = Buffer.from(c).toString("latin1");
      if (!/^[0-9 ]*$/.test(s)) throw derError(path, "NumericString holds a character outside its set");
      return s;
    }
    case TAG.IA5_STRING:
    case TAG.VISIBLE_STRING:
      for (const b of c) if (b > 0x7f || (n.tag === TAG.VISIBLE_STRING && b < 0x20)) throw derError(path, `${n.tag === TAG.IA5_STRING ? "IA5String" : "VisibleString"} holds a non-ASCII byte`);
      return Buffer.from(c).toString("latin1");
    case TAG.TELETEX_STRING:
      // T.61 as openssl treats it: one byte per character.
      return Buffer.from(c).toString("latin1");
    case TAG.BMP_STRING: {
      if (c.length % 2) throw derError(path, "BMPString has an odd length");
      let s = "";
      for (let i = 0; i < c.length; i += 2) s += String.fromCharCode((c[i]! << 8) | c[i + 1]!);
      return s;
    }
    case TAG.UNIVERSAL_STRING: {
      if (c.length % 4) throw derError(path, "UniversalString length is not a multiple of 4");
      let s = "";
      for (let i = 0; i < c.length; i += 4) {
        const cp = ((c[i]! << 24) | (c[i + 1]! << 16) | (c[i + 2]! << 8) | c[i + 3]!) >>> 0;
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw derError(path, "UniversalString holds an invalid code point");
        s += String.fromCodePoint(cp);
      }
      return s;
    }
    default:
      throw derError(path, `${tagName(n.tag)} is not a string type`);
  }
}

/** An IA5String (dNSName, rfc822Name, URI in GeneralName [IMPLICIT]): ASCII only. */
export function ia5Text(c: Der, path: string): string {
  for (const b of c) if (b > 0x7f) throw derError(path, "IA5String holds a non-ASCII byte");
  return Buffer.from(c).toString("latin1");
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * UTCTime (YYMMDDHHMMSSZ, 1950-2049) or GeneralizedTime (YYYYMMDDHHMMSSZ) as RFC 5280 4.1.2.5
 * requires: seconds present, Zulu, no fractions, a date that exists. Never an Invalid Date.
 */
export function decodeTime(buf: Der, n: Node, path: string): Date {
  const c = content(buf, n);
  const utc = n.tag === TAG.UTC_TIME;
  if (!utc && n.tag !== TAG.GENERALIZED_TIME) throw derError(path, `expected UTCTime or GeneralizedTime, found ${tagName(n.tag)}`);
  // Byte by byte, not a regular expression: the peer check reads two of these per handshake.
  const digits = utc ? 12 : 14;
  let ok = c.length === digits + 1 && c[digits] === 0x5a;
  for (let i = 0; ok && i < digits; i++) ok = c[i]! >= 0x30 && c[i]! <= 0x39;
  if (!ok) {
    const s = Buffer.from(c).toString("latin1");
    throw derError(path, utc ? `UTCTime "${printable(s)}" is not YYMMDDHHMMSSZ` : `GeneralizedTime "${printable(s)}" is not YYYYMMDDHHMMSSZ`);
  }
  const d2 = (i: number): number => (c[i]! - 0x30) * 10 + (c[i + 1]! - 0x30);
  let y: number;
  let o: number;
  if (utc) {
    const yy = d2(0);
    y = yy >= 50 ? 1900 + yy : 2000 + yy;
    o = 2;
  } else {
    y = d2(0) * 100 + d2(2);
    o = 4;
  }
  const mo = d2(o);
  const d = d2(o + 2);
  const h = d2(o + 4);
  const mi = d2(o + 6);
  const se = d2(o + 8);
  if (mo < 1 || mo > 12) throw derError(path, `month ${mo} does not exist`);
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const dim = mo === 2 && leap ? 29 : DAYS[mo - 1]!;
  if (d < 1 || d > dim) throw derError(path, `day ${d} does not exist in month ${mo} of ${y}`);
  if (h > 23 || mi > 59 || se > 59) throw derError(path, `time ${h}:${mi}:${se} does not exist`);
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, se));
  // Date.UTC maps years 0-99 to 1900-1999; only GeneralizedTime can say so, and means it.
  if (y < 100) date.setUTCFullYear(y);
  return date;
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, "?").slice(0, 40);
}
