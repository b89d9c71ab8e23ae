/**
 * The one strict DER reader (ITU-T X.690 section 10) for every untrusted byte raytls parses:
 * certificates, CSRs, keys' SPKI. Issue 13 found certificates and CSRs that openssl and gRPC
 * C-core refuse being accepted through a lenient reader, and parsers that crash the process;
 * so this reader refuses anything that is not DER, bounded:
 * - definite, minimal lengths only (no indefinite form, no leading zero length octets, no long
 *   form for lengths under 128), at most 4 length octets;
 * - low tag numbers only (the X.509 and PKCS#10 grammars need nothing else);
 * - BIT STRINGs with 0..7 unused bits that are zero, BOOLEANs 00/FF, minimal INTEGERs, OIDs with
 *   minimal base-128 subidentifiers, strings valid for their type, UTCTime/GeneralizedTime with
 *   seconds and Z and a real date (strings and times: der-text.ts);
 * - no trailing data, a size limit, and callers that walk a fixed grammar (no recursion on input).
 *
 * Every error is a RaytlsError (code bad-der, exit 2) that names the field path, e.g.
 * `certificate.tbsCertificate.validity.notBefore: month 13`. Pure functions: bytes in, a value or
 * a RaytlsError out, so a fuzz harness can call them directly.
 */
import { RaytlsError } from "../errors.js";

export type Der = Uint8Array;

/** One decoded TLV: its tag, where its content starts and ends in `buf`, and where it ends. */
export interface Node {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

/** Larger than any certificate or CSR raytls meets (a 16k-bit RSA certificate is ~4 KiB). */
export const MAX_DER_BYTES = 64 * 1024;
/** The longest OID accepted; real ones are under 40 bytes, and Node crashes on 600 (issue 13). */
export const MAX_OID_BYTES = 64;

export function derError(path: string, what: string): RaytlsError {
  return new RaytlsError("bad-der", `${path}: ${what}`, { hint: "the data is not valid DER (damaged, truncated, or made by a non-conforming encoder)" });
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  NUMERIC_STRING: 0x12,
  PRINTABLE_STRING: 0x13,
  TELETEX_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  VISIBLE_STRING: 0x1a,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Reads the TLV at `offset`; it must end within `limit` (default: the buffer). */
export function read(buf: Der, offset = 0, path = "DER", limit = buf.length): Node {
  const tag = buf[offset];
  if (tag === undefined || offset + 1 >= limit) throw derError(path, "truncated (no tag or length)");
  if ((tag & 0x1f) === 0x1f) throw derError(path, `high tag number form (tag byte 0x${tag.toString(16)}) is not used here`);
  let len = buf[offset + 1]!;
  let p = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) throw derError(path, "indefinite length is not DER");
    if (n > 4) throw derError(path, `${n} length octets is too many`);
    if (p + n > limit) throw derError(path, "truncated length");
    if (buf[p] === 0) throw derError(path, "non-minimal length (leading zero octet)");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p++]!;
    if (len < 0x80) throw derError(path, `non-minimal length (${len} in long form)`);
  }
  if (p + len > limit) throw derError(path, `truncated: ${len} content bytes declared, ${Math.max(0, limit - p)} present`);
  return { tag, start: offset, contentStart: p, end: p + len };
}

/** The whole of `buf` as one TLV, with nothing after it. */
export function readTop(buf: Der, path: string, tag?: number): Node {
  if (buf.length > MAX_DER_BYTES) throw derError(path, `${buf.length} bytes is more than the ${MAX_DER_BYTES} accepted`);
  const n = read(buf, 0, path);
  if (tag !== undefined && n.tag !== tag) throw derError(path, `expected ${tagName(tag)}, found ${tagName(n.tag)}`);
  if (n.end !== buf.length) throw derError(path, `${buf.length - n.end} bytes of trailing data`);
  return n;
}

/** The children of a constructed node (in order, each within the parent). */
export function children(buf: Der, node: Node, path = "DER"): Node[] {
  if (!(node.tag & 0x20)) throw derError(path, `${tagName(node.tag)} is primitive, expected a constructed value`);
  const out: Node[] = [];
  for (let p = node.contentStart; p < node.end; ) {
    let c: Node;
    try {
      c = read(buf, p, path, node.end);
    } catch {
      // Paths are built only on the error path: the peer check runs this per handshake.
      c = read(buf, p, `${path}[${out.length}]`, node.end);
    }
    out.push(c);
    p = c.end;
  }
  return out;
}

export const slice = (buf: Der, n: Node): Der => buf.subarray(n.start, n.end);
export const content = (buf: Der, n: Node): Der => buf.subarray(n.contentStart, n.end);

export function tagName(tag: number): string {
  const names: Record<number, string> = {
    0x01: "BOOLEAN", 0x02: "INTEGER", 0x03: "BIT STRING", 0x04: "OCTET STRING", 0x05: "NULL", 0x06: "OBJECT IDENTIFIER",
    0x0c: "UTF8String", 0x13: "PrintableString", 0x16: "IA5String", 0x17: "UTCTime", 0x18: "GeneralizedTime", 0x30: "SEQUENCE", 0x31: "SET",
  };
  return names[tag] ?? `tag 0x${tag.toString(16).padStart(2, "0")}`;
}

/** Checks the tag; returns the node for chaining. */
export function expectTag(n: Node | undefined, tag: number, path: string): Node {
  if (!n) throw derError(path, `missing (expected ${tagName(tag)})`);
  if (n.tag !== tag) throw derError(path, `expected ${tagName(tag)}, found ${tagName(n.tag)}`);
  return n;
}

/**
 * A fixed-grammar walk over a constructed node's children: `next(tag)` takes the next child
 * with that tag, `optional(tag)` takes it only if present, `done()` refuses leftovers.
 */
export class Fields {
  private readonly kids: Node[];
  private i = 0;
  constructor(
    readonly buf: Der,
    node: Node,
    readonly path: string,
  ) {
    this.kids = children(buf, node, path);
  }
  next(tag: number, name: string): Node {
    const k = this.kids[this.i++];
    return k && k.tag === tag ? k : expectTag(k, tag, `${this.path}.${name}`);
  }
  optional(tag: number): Node | undefined {
    const k = this.kids[this.i];
    if (k && k.tag === tag) {
      this.i++;
      return k;
    }
    return undefined;
  }
  /** The next child whatever its tag (CHOICE), or a "missing" error. */
  any(name: string): Node {
    const k = this.kids[this.i++];
    if (!k) throw derError(`${this.path}.${name}`, "missing");
    return k;
  }
  rest(): Node[] {
    const r = this.kids.slice(this.i);
    this.i = this.kids.length;
    return r;
  }
  done(): void {
    const k = this.kids[this.i];
    if (k) throw derError(this.path, `unexpected ${tagName(k.tag)} after the last field`);
  }
}

/** BOOLEAN: one octet, 00 or FF (X.690 11.1). */
export function decodeBoolean(buf: Der, n: Node, path: string): boolean {
  expectTag(n, TAG.BOOLEAN, path);
  const c = content(buf, n);
  if (c.length !== 1 || (c[0] !== 0 && c[0] !== 0xff)) throw derError(path, "BOOLEAN must be one octet 00 or FF");
  return c[0] === 0xff;
}

export interface DerInteger {
  /** Magnitude in lower-case hex, no leading zeros ("0" for zero). */
  hex: string;
  negative: boolean;
}

/** INTEGER: minimal two's complement (X.690 8.3.2). */
export function decodeInteger(buf: Der, n: Node, path: string): DerInteger {
  expectTag(n, TAG.INTEGER, path);
  const c = content(buf, n);
  if (c.length === 0) throw derError(path, "INTEGER has no content octets");
  if (c.length > 1 && ((c[0] === 0 && c[1]! < 0x80) || (c[0] === 0xff && c[1]! >= 0x80))) throw derError(path, "INTEGER is not minimally encoded");
  const negative = c[0]! >= 0x80;
  if (!negative) {
    const h = Buffer.from(c.buffer, c.byteOffset, c.length).toString("hex").replace(/^0+(?=.)/, "");
    return { hex: h, negative };
  }
  const v = (1n << BigInt(8 * c.length)) - BigInt(`0x${Buffer.from(c).toString("hex")}`);
  return { hex: v.toString(16), negative };
}

/** A small non-negative INTEGER (version, pathLen). */
export function decodeSmallInteger(buf: Der, n: Node, path: string, max = 0xffff): number {
  const i = decodeInteger(buf, n, path);
  const v = Number.parseInt(i.hex, 16);
  if (i.negative || v > max) throw derError(path, `${i.negative ? "-" : ""}0x${i.hex} is out of range 0..${max}`);
  return v;
}

/** BIT STRING: the unused-bits octet is 0..7, 0 when empty, and the unused bits are zero (X.690 11.2). */
export function decodeBitString(buf: Der, n: Node, path: string): { bytes: Der; unused: number } {
  expectTag(n, TAG.BIT_STRING, path);
  const c = content(buf, n);
  if (c.length === 0) throw derError(path, "BIT STRING has no unused-bits octet");
  const unused = c[0]!;
  if (unused > 7) throw derError(path, `BIT STRING claims ${unused} unused bits (at most 7)`);
  if (c.length === 1 && unused !== 0) throw derError(path, "an empty BIT STRING must have 0 unused bits");
  if (unused && c[c.length - 1]! & ((1 << unused) - 1)) throw derError(path, "BIT STRING unused bits are not zero");
  return { bytes: c.subarray(1), unused };
}

/** A BIT STRING that must hold whole octets (keys, signatures). */
export function decodeOctetAlignedBits(buf: Der, n: Node, path: string): Der {
  const b = decodeBitString(buf, n, path);
  if (b.unused !== 0) throw derError(path, `BIT STRING has ${b.unused} unused bits; a key or signature has none`);
  return b.bytes;
}

export function decodeNull(buf: Der, n: Node, path: string): void {
  expectTag(n, TAG.NULL, path);
  if (n.end !== n.contentStart) throw derError(path, "NULL must be empty");
}

/** OBJECT IDENTIFIER in dotted text, minimal base-128 subidentifiers (X.690 8.19), bounded. */
export function decodeOid(buf: Der, n: Node, path: string): string {
  expectTag(n, TAG.OID, path);
  return oidText(content(buf, n), path);
}

export function oidText(c: Der, path: string): string {
  if (c.length === 0) throw derError(path, "OBJECT IDENTIFIER is empty");
  if (c.length > MAX_OID_BYTES) throw derError(path, `OBJECT IDENTIFIER of ${c.length} bytes is longer than the ${MAX_OID_BYTES} accepted`);
  if (c[c.length - 1]! & 0x80) throw derError(path, "OBJECT IDENTIFIER ends inside a subidentifier");
  let text = "";
  let v = 0;
  let first = true;
  let start = true;
  for (const byte of c) {
    if (start && byte === 0x80) throw derError(path, "OBJECT IDENTIFIER subidentifier is not minimal (leading 0x80)");
    start = false;
    v = v * 128 + (byte & 0x7f);
    if (v > Number.MAX_SAFE_INTEGER) throw derError(path, "OBJECT IDENTIFIER arc is too large");
    if (!(byte & 0x80)) {
      if (first) text = v < 80 ? `${Math.floor(v / 40)}.${v % 40}` : `2.${v - 80}`;
      else text += `.${v}`;
      first = false;
      start = true;
      v = 0;
    }
  }
  return text;
}
