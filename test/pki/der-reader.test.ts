/**
 * The strict DER reader (src/pki/der-reader.ts, issue 13): each rule with one input it refuses,
 * the field path in the message, and a RaytlsError (bad-der, exit 2) every time.
 */
import { describe, expect, it } from "vitest";
import { RaytlsError } from "../../src/errors.js";
import * as r from "../../src/pki/der-reader.js";
import { decodeString, decodeTime } from "../../src/pki/der-text.js";

const b = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s/g, ""), "hex"));
const top = (h: string): [Uint8Array, r.Node] => {
  const buf = b(h);
  return [buf, r.readTop(buf, "x")];
};

function refuses(fn: () => unknown, message: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RaytlsError);
    expect((err as RaytlsError).code).toBe("bad-der");
    expect((err as RaytlsError).exitCode).toBe(2);
    expect((err as RaytlsError).message).toMatch(message);
    return;
  }
  throw new Error("accepted");
}

describe("lengths and framing", () => {
  it.each([
    ["indefinite length", "3080 0500 0000", /x: indefinite length is not DER/],
    ["long form for a short length", "048103 616263", /x: non-minimal length \(3 in long form\)/],
    ["leading zero length octet", "04820080" + "00".repeat(128), /x: non-minimal length \(leading zero octet\)/],
    ["five length octets", "04850000000001 00", /x: 5 length octets is too many/],
    ["truncated content", "0405 0102", /x: truncated: 5 content bytes declared, 2 present/],
    ["trailing data", "0500 00", /x: 1 bytes of trailing data/],
    ["high tag number form", "1f2200", /x: high tag number form/],
  ])("refuses %s", (_n, h, m) => refuses(() => r.readTop(b(h), "x"), m));

  it("a child running past its parent names the child's index", () => {
    refuses(() => {
      const [buf, n] = top("3004 0500 0403");
      return r.children(buf, n, "x");
    }, /x\[1\]: truncated/);
  });

  it("refuses input beyond the size limit", () => refuses(() => r.readTop(new Uint8Array(r.MAX_DER_BYTES + 1), "x"), /more than the 65536 accepted/));
});

describe("primitives", () => {
  it("BIT STRING: unused bits 0..7, zero, and none in an empty string", () => {
    refuses(() => r.decodeBitString(...top("0302 08 00"), "k"), /k: BIT STRING claims 8 unused bits/);
    refuses(() => r.decodeBitString(...top("0301 01"), "k"), /empty BIT STRING must have 0 unused bits/);
    refuses(() => r.decodeBitString(...top("0302 07 81"), "k"), /unused bits are not zero/);
    expect(r.decodeBitString(...top("0302 07 80"), "k").unused).toBe(7);
    refuses(() => r.decodeOctetAlignedBits(...top("0302 01 80"), "sig"), /sig: BIT STRING has 1 unused bits/);
  });

  it("OID: minimal subidentifiers, not empty, not ending mid-arc, bounded", () => {
    refuses(() => r.decodeOid(...top("0603 2a 8001"), "o"), /o: OBJECT IDENTIFIER subidentifier is not minimal/);
    refuses(() => r.decodeOid(...top("0600"), "o"), /OBJECT IDENTIFIER is empty/);
    refuses(() => r.decodeOid(...top("0602 2a 86"), "o"), /ends inside a subidentifier/);
    refuses(() => r.decodeOid(...top(`0641 2a${"01".repeat(64)}`), "o"), /OBJECT IDENTIFIER of 65 bytes is longer than the 64 accepted/);
    expect(r.decodeOid(...top("0603 551d11"), "o")).toBe("2.5.29.17");
  });

  it("INTEGER and BOOLEAN are minimal", () => {
    refuses(() => r.decodeInteger(...top("0202 0001"), "i"), /not minimally encoded/);
    refuses(() => r.decodeInteger(...top("0202 ff80"), "i"), /not minimally encoded/);
    refuses(() => r.decodeInteger(...top("0200"), "i"), /no content octets/);
    expect(r.decodeInteger(...top("0201 fb"), "i")).toEqual({ hex: "5", negative: true });
    expect(r.decodeInteger(...top("0202 0080"), "i")).toEqual({ hex: "80", negative: false });
    refuses(() => r.decodeBoolean(...top("0101 01"), "b"), /BOOLEAN must be one octet 00 or FF/);
  });

  it("strings are valid for their type", () => {
    refuses(() => decodeString(...top("0c02 c328"), "s"), /UTF8String is not valid UTF-8/);
    refuses(() => decodeString(...top("1301 2a"), "s"), /PrintableString holds a character outside its set/);
    refuses(() => decodeString(...top("1601 80"), "s"), /IA5String holds a non-ASCII byte/);
    refuses(() => decodeString(...top("1e01 41"), "s"), /BMPString has an odd length/);
    refuses(() => decodeString(...top("0401 41"), "s"), /OCTET STRING is not a string type/);
    expect(decodeString(...top("1e04 00410042"), "s")).toBe("AB");
  });
});

describe("times (RFC 5280 4.1.2.5): never an Invalid Date", () => {
  const t = (tag: string, s: string): [Uint8Array, r.Node] => top(`${tag}${s.length.toString(16).padStart(2, "0")}${Buffer.from(s).toString("hex")}`);
  it.each([
    ["17", "2501010000Z", /UTCTime "2501010000Z" is not YYMMDDHHMMSSZ/],
    ["17", "250101000000+0100", /is not YYMMDDHHMMSSZ/],
    ["17", "250101000000", /is not YYMMDDHHMMSSZ/],
    ["18", "20250101000000.5Z", /GeneralizedTime .* is not YYYYMMDDHHMMSSZ/],
    ["17", "251301000000Z", /month 13 does not exist/],
    ["17", "250230000000Z", /day 30 does not exist in month 2 of 2025/],
    ["17", "250229000000Z", /day 29 does not exist in month 2 of 2025/],
    ["17", "250101240000Z", /time 24:0:0 does not exist/],
    ["17", "250101235960Z", /time 23:59:60 does not exist/],
    ["04", "250101000000Z", /expected UTCTime or GeneralizedTime/],
  ])("%s %s", (tag, s, m) => refuses(() => decodeTime(...t(tag, s), "validity.notBefore"), m));

  it("reads both forms, the UTCTime century rule and leap days", () => {
    expect(decodeTime(...t("17", "491231235959Z"), "t").toISOString()).toBe("2049-12-31T23:59:59.000Z");
    expect(decodeTime(...t("17", "500101000000Z"), "t").toISOString()).toBe("1950-01-01T00:00:00.000Z");
    expect(decodeTime(...t("18", "20500101000000Z"), "t").toISOString()).toBe("2050-01-01T00:00:00.000Z");
    expect(decodeTime(...t("17", "240229120000Z"), "t").toISOString()).toBe("2024-02-29T12:00:00.000Z");
    expect(decodeTime(...t("18", "00500101000000Z"), "t").getUTCFullYear()).toBe(50);
  });
});

describe("Fields: a fixed grammar", () => {
  it("names the missing or unexpected field", () => {
    const [buf, n] = top("3003 020105");
    const f = new r.Fields(buf, n, "tbs");
    expect(r.decodeSmallInteger(buf, f.next(r.TAG.INTEGER, "serial"), "tbs.serial")).toBe(5);
    refuses(() => f.next(r.TAG.SEQUENCE, "issuer"), /tbs\.issuer: missing \(expected SEQUENCE\)/);
    const g = new r.Fields(buf, n, "tbs");
    refuses(() => g.next(r.TAG.SEQUENCE, "signature"), /tbs\.signature: expected SEQUENCE, found INTEGER/);
    const h = new r.Fields(...top("3006 020105 020106"), "tbs");
    h.next(r.TAG.INTEGER, "a");
    refuses(() => h.done(), /tbs: unexpected INTEGER after the last field/);
  });
});
