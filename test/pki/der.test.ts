/**
 * The DER writer and reader (src/pki/der.ts) against known encodings (X.690), with openssl
 * asn1parse as an independent reader where it is cheap.
 */
import { X509Certificate } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import * as der from "../../src/pki/der.js";
import { createCa } from "../../src/pki/ca.js";
import { readCertificatePem } from "../../src/pki/certificate-reader.js";
import { oidText } from "../../src/pki/der-reader.js";
import { RaytlsError } from "../../src/errors.js";
import { openssl } from "../helpers/openssl.js";
import { useTempDir } from "../helpers/temp-dir.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ""), "hex"));
const filled = (n: number, v = 0xab): Uint8Array => new Uint8Array(n).fill(v);

const tmp = useTempDir("raytls-der-");

describe("lengths: short form below 0x80, long form from 0x80", () => {
  it.each([
    [0, "0400"],
    [1, "0401"],
    [0x7f, "047f"],
    [0x80, "048180"],
    [0xff, "0481ff"],
    [0x100, "04820100"],
    [0xffff, "0482ffff"],
    [0x10000, "0483010000"],
  ])("content of %i bytes has the header %s", (n, head) => {
    const out = der.octetString(filled(n));
    expect(hex(out.subarray(0, head.length / 2))).toBe(head);
    expect(out.length).toBe(head.length / 2 + n);
    const node = der.read(out);
    expect(node).toEqual({ tag: 0x04, start: 0, contentStart: head.length / 2, end: out.length });
    expect(hex(der.content(out, node))).toBe(hex(filled(n)));
  });

  it("tlv concatenates its parts", () => {
    expect(hex(der.tlv(0x30, bytes("0101ff"), bytes("0500")))).toBe("30050101ff0500");
    expect(hex(der.tlv(0x30))).toBe("3000");
  });
});

describe("INTEGER", () => {
  it.each([
    ["", "020100"],
    ["00", "020100"],
    ["0000", "020100"],
    ["01", "020101"],
    ["000001", "020101"],
    ["7f", "02017f"],
    ["00007f", "02017f"],
    ["80", "02020080"],
    ["0080", "02020080"],
    ["000080", "02020080"],
    ["ff", "020200ff"],
    ["7fff", "02027fff"],
    ["ff00", "020300ff00"],
    ["0100", "02020100"],
  ])("unsignedInteger(%s) = %s (leading zeros stripped, one added before a high bit)", (input, want) => {
    expect(hex(der.unsignedInteger(bytes(input)))).toBe(want);
  });

  it("a 16-byte serial with the high bit set keeps all 16 bytes behind a 00", () => {
    const serial = filled(16, 0x80);
    const out = der.unsignedInteger(serial);
    expect(hex(out.subarray(0, 3))).toBe("021100");
    expect(out.length).toBe(19);
  });

  it.each([
    [0, "020100"],
    [1, "020101"],
    [127, "02017f"],
    [128, "02020080"],
    [255, "020200ff"],
    [256, "02020100"],
    [32767, "02027fff"],
    [32768, "0203008000"],
    [65535, "020300ffff"],
    [0x7fffffff, "02047fffffff"],
  ])("smallInteger(%i) = %s", (n, want) => {
    expect(hex(der.smallInteger(n))).toBe(want);
  });

  it.each([-1, 0x80000000, 1.5e10])("smallInteger(%d) is refused", (n) => {
    expect(() => der.smallInteger(n)).toThrow(RaytlsError);
  });
});

describe("OBJECT IDENTIFIER", () => {
  it.each([
    ["1.2.840.10045.3.1.7", "06082a8648ce3d030107"], // prime256v1
    ["1.2.840.10045.2.1", "06072a8648ce3d0201"], // id-ecPublicKey
    ["1.3.132.0.34", "06052b81040022"], // secp384r1
    ["1.2.840.113549.1.1.11", "06092a864886f70d01010b"], // sha256WithRSAEncryption
    ["1.2.840.10045.4.3.2", "06082a8648ce3d040302"], // ecdsa-with-SHA256
    ["2.5.29.17", "0603551d11"], // subjectAltName
    ["2.5.29.37.0", "0604551d2500"], // anyExtendedKeyUsage
    ["1.3.6.1.5.5.7.3.1", "06082b06010505070301"], // serverAuth
    ["2.5.4.3", "0603550403"], // commonName
    ["1.2.127", "06022a7f"],
    ["1.2.128", "06032a8100"],
    ["1.2.16383", "06032aff7f"],
    ["1.2.16384", "06042a818000"],
    ["0.9.2342.19200300.100.1.25", "060a0992268993f22c640119"], // domainComponent
  ])("%s = %s, and decodes back", (dotted, want) => {
    const out = der.oid(dotted);
    expect(hex(out)).toBe(want);
    expect(oidText(der.content(out, der.read(out)), "oid")).toBe(dotted);
    // Cached: a second call gives the same bytes.
    expect(hex(der.oid(dotted))).toBe(want);
  });

  // X.690 8.19.5 example: 2.999.3 encodes the first two arcs as 2*40+999 = 1079 in base 128.
  // Regression test, fixed (src/pki/der.ts oid()): the combined first subidentifier is pushed as one byte without
  // base-128 encoding, so 1079 is truncated to 0x37: expected 06 03 88 37 03, actual 06 02 37 03.
  // No OID raytls uses today has a first subidentifier >= 128, so issued certificates are unaffected.
  it("2.999.3 = 06 03 88 37 03 (first subidentifier above 127 is base-128 encoded)", () => {
    expect(hex(der.oid("2.999.3"))).toBe("0603883703");
  });
});

describe("times: UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5)", () => {
  const ascii = (s: string): string => Buffer.from(s, "latin1").toString("hex");
  it.each([
    ["2026-01-01T00:00:00Z", 0x17, "260101000000Z"],
    ["2026-01-01T00:00:00.999Z", 0x17, "260101000000Z"],
    ["2049-12-31T23:59:59Z", 0x17, "491231235959Z"],
    ["2050-01-01T00:00:00Z", 0x18, "20500101000000Z"],
    ["1950-01-01T00:00:00Z", 0x17, "500101000000Z"],
    ["1949-12-31T23:59:59Z", 0x18, "19491231235959Z"],
    ["9999-12-31T23:59:59Z", 0x18, "99991231235959Z"],
    ["2007-03-04T05:06:07Z", 0x17, "070304050607Z"],
  ])("%s -> tag %i %s", (iso, tag, text) => {
    const out = der.time(new Date(iso));
    expect(out[0]).toBe(tag);
    expect(out[1]).toBe(text.length);
    expect(hex(out.subarray(2))).toBe(ascii(text));
  });

  it("a CA valid past 2049 carries a GeneralizedTime notAfter that Node, openssl and raytls read alike", async () => {
    {
      const made = await createCa({ now: new Date("2045-06-01T12:00:00Z"), days: 3650 });
      expect(made.notAfter.toISOString()).toBe("2055-05-30T12:00:00.000Z");
      const facts = readCertificatePem(made.certPem, "ca.crt");
      expect(facts.notBefore.toISOString()).toBe("2045-06-01T11:55:00.000Z");
      expect(facts.notAfter.toISOString()).toBe("2055-05-30T12:00:00.000Z");
      expect(new Date(new X509Certificate(made.certPem).validTo).toISOString()).toBe("2055-05-30T12:00:00.000Z");
      const file = path.join(tmp.dir, "ca-2045.crt");
      writeFileSync(file, made.certPem);
      const parsed = openssl(["asn1parse", "-in", file]);
      expect(parsed.code, parsed.err).toBe(0);
      expect(parsed.out).toMatch(/UTCTIME\s+:450601115500Z/);
      expect(parsed.out).toMatch(/GENERALIZEDTIME\s+:20550530120000Z/);
    }
  });
});

describe("the other primitives", () => {
  it.each([
    ["NULL", der.NULL, "0500"],
    ["TRUE", der.TRUE, "0101ff"],
    ["bitString key", der.bitString(bytes("0a0b")), "0303000a0b"],
    ["bitString keyCertSign+cRLSign", der.bitString(bytes("06"), 1), "03020106"],
    ["bitString digitalSignature", der.bitString(bytes("80"), 7), "03020780"],
    ["explicit [0] INTEGER 2 (version v3)", der.explicit(0, der.smallInteger(2)), "a003020102"],
    ["explicit [3]", der.explicit(3, der.sequence()), "a3023000"],
    ["implicit [2] dNSName", der.implicit(2, new TextEncoder().encode("localhost")), "82096c6f63616c686f7374"],
    ["implicit [7] iPAddress", der.implicit(7, bytes("0a000001")), "87040a000001"],
    ["utf8String", der.utf8String("é"), "0c02c3a9"],
    ["printableString", der.printableString("US"), "13025553"],
    ["ia5String", der.ia5String("a@b"), "1603614062"],
    ["set", der.set(der.NULL), "31020500"],
    ["sequence", der.sequence(der.NULL, der.TRUE), "30050500" + "0101ff"],
  ])("%s", (_name, out, want) => {
    expect(hex(out)).toBe(want);
  });
});

describe("reader", () => {
  const sample = der.sequence(der.oid("2.5.29.17"), der.NULL, der.octetString(filled(200)), der.sequence(der.TRUE));

  it("children, slice and content walk a structure", () => {
    const top = der.read(sample);
    expect(top.tag).toBe(0x30);
    expect(top.end).toBe(sample.length);
    const kids = der.children(sample, top);
    expect(kids.map((k) => k.tag)).toEqual([0x06, 0x05, 0x04, 0x30]);
    expect(hex(der.slice(sample, kids[0]!))).toBe("0603551d11");
    expect(hex(der.content(sample, kids[0]!))).toBe("551d11");
    expect(der.content(sample, kids[1]!).length).toBe(0);
    expect(hex(der.content(sample, kids[2]!))).toBe(hex(filled(200)));
    expect(der.children(sample, kids[3]!).map((k) => hex(der.slice(sample, k)))).toEqual(["0101ff"]);
  });

  it("reads at an offset", () => {
    const buf = new Uint8Array([0xff, 0xff, ...der.NULL, ...der.TRUE]);
    expect(der.read(buf, 2)).toEqual({ tag: 0x05, start: 2, contentStart: 4, end: 4 });
    expect(der.read(buf, 4)).toEqual({ tag: 0x01, start: 4, contentStart: 6, end: 7 });
  });

  it.each([
    ["empty", ""],
    ["tag only", "30"],
    ["content shorter than the length", "3005050001"],
    ["long-form length beyond the buffer", "048200ff00"],
    ["indefinite length (not DER)", "30800500" + "0000"],
    ["length of 5 length octets", "04850000000001" + "00"],
  ])("refuses %s", (_name, h) => {
    expect(() => der.read(bytes(h))).toThrow(RaytlsError);
  });

  // A child's end is checked against its parent's end, not the whole buffer.
  it("a child that runs past its parent is refused", () => {
    // SEQUENCE of 3 bytes holding an OCTET STRING that claims 5.
    expect(() => der.children(bytes("3003040500000000000000"), der.read(bytes("3003040500000000000000")))).toThrow(/truncated/);
  });
});

describe("openssl asn1parse reads what the writer makes", () => {
  it("one structure with every primitive, long lengths and both time forms", () => {
    const blob = der.sequence(
      der.oid("1.2.840.10045.3.1.7"),
      der.oid("1.2.840.113549.1.1.11"),
      der.oid("1.2.16384"),
      der.time(new Date("2049-12-31T23:59:59Z")),
      der.time(new Date("2050-01-01T00:00:00Z")),
      der.unsignedInteger(bytes("0080")),
      der.smallInteger(65535),
      der.octetString(filled(0x80)),
      der.octetString(filled(0x100)),
      der.utf8String("raytls"),
      der.printableString("US"),
      der.ia5String("a@b"),
      der.NULL,
      der.TRUE,
      der.bitString(bytes("06"), 1),
      der.set(der.sequence()),
    );
    const file = path.join(tmp.dir, "blob.der");
    writeFileSync(file, blob);
    const r = openssl(["asn1parse", "-inform", "DER", "-in", file]);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trim().split("\n");
    // The outer SEQUENCE's header length ("hl") and total length agree with the writer.
    expect(blob[1]).toBe(0x82);
    expect(lines[0]).toMatch(new RegExp(`^\\s*0:d=0\\s+hl=4 l=\\s*${blob.length - 4} cons: SEQUENCE`));
    const body = lines.slice(1).map((l) => l.replace(/^\s*\d+:d=\d+\s+hl=\d+\s+l=\s*\d+\s+(prim|cons):\s*/, "").replace(/\s+/g, " ").trim());
    expect(body).toEqual([
      "OBJECT :prime256v1",
      "OBJECT :sha256WithRSAEncryption",
      "OBJECT :1.2.16384",
      "UTCTIME :491231235959Z",
      "GENERALIZEDTIME :20500101000000Z",
      "INTEGER :80",
      "INTEGER :FFFF",
      expect.stringMatching(/^OCTET STRING \[HEX DUMP\]:(AB){128}$/),
      expect.stringMatching(/^OCTET STRING \[HEX DUMP\]:(AB){256}$/),
      "UTF8STRING :raytls",
      "PRINTABLESTRING :US",
      "IA5STRING :a@b",
      "NULL",
      "BOOLEAN :255",
      "BIT STRING",
      "SET",
      "SEQUENCE",
    ]);
    expect(lines.find((l) => l.includes("OCTET STRING") && l.includes("l= 256"))).toMatch(/hl=4/);
    expect(lines.find((l) => l.includes("OCTET STRING") && l.includes("l= 128"))).toMatch(/hl=3/);
  });
});
