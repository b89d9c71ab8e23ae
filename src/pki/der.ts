/**
 * A minimal DER writer (ITU-T X.690) and reader for the few structures raytls builds itself.
 *
 * Why not @peculiar/asn1-schema for issuing: serializing one TBSCertificate through it costs about
 * 250 µs here, which alone caps issuance near 4,000 certificates/s; the benchmark target is 5,000
 * pod certificates/s including key generation (issue #2).
 *
 * The reader half lives in der-reader.ts: strict DER for untrusted bytes (issue 13).
 */

import { RaytlsError } from "../errors.js";

export type Der = Uint8Array;

function lengthBytes(len: number): number[] {
  if (len < 0x80) return [len];
  const out: number[] = [];
  for (let n = len; n > 0; n = Math.floor(n / 256)) out.unshift(n & 0xff);
  return [0x80 | out.length, ...out];
}

/** Tag-length-value with the given content (the concatenation of `parts`). */
export function tlv(tag: number, ...parts: Der[]): Der {
  let size = 0;
  for (const p of parts) size += p.length;
  const head = lengthBytes(size);
  const out = new Uint8Array(1 + head.length + size);
  out[0] = tag;
  out.set(head, 1);
  let off = 1 + head.length;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export const sequence = (...items: Der[]): Der => tlv(0x30, ...items);
export const set = (...items: Der[]): Der => tlv(0x31, ...items);
export const octetString = (b: Der): Der => tlv(0x04, b);
export const NULL: Der = Uint8Array.of(0x05, 0x00);
export const TRUE: Der = Uint8Array.of(0x01, 0x01, 0xff);
/** Bit string with `unused` trailing bits in the last byte (0 for keys and signatures). */
export const bitString = (b: Der, unused = 0): Der => tlv(0x03, Uint8Array.of(unused), b);
/** [n] EXPLICIT: a constructed context-specific wrapper. */
export const explicit = (n: number, inner: Der): Der => tlv(0xa0 | n, inner);
/** [n] IMPLICIT primitive (e.g. GeneralName dNSName [2], iPAddress [7], keyIdentifier [0]). */
export const implicit = (n: number, content: Der): Der => tlv(0x80 | n, content);

const enc = new TextEncoder();
export const utf8String = (s: string): Der => tlv(0x0c, enc.encode(s));
export const printableString = (s: string): Der => tlv(0x13, enc.encode(s));
export const ia5String = (s: string): Der => tlv(0x16, enc.encode(s));

/** INTEGER from unsigned big-endian bytes: strips leading zeros, adds one if the high bit is set. */
export function unsignedInteger(bytes: Der): Der {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const b = bytes.subarray(i);
  return (b[0] ?? 0) & 0x80 ? tlv(0x02, Uint8Array.of(0), b) : tlv(0x02, b.length ? b : Uint8Array.of(0));
}

export function smallInteger(n: number): Der {
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) throw new RaytlsError("bad-integer", `smallInteger: ${n} is not a whole number in 0..2^31-1`, { hint: "this is a bug in the caller" });
  const bytes: number[] = [];
  let v = n;
  do {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  return unsignedInteger(Uint8Array.from(bytes));
}

const oidCache = new Map<string, Der>();
/** OBJECT IDENTIFIER from dotted text; encodings are cached (the same dozen OIDs recur). */
export function oid(dotted: string): Der {
  const cached = oidCache.get(dotted);
  if (cached) return cached;
  const arcs = dotted.split(".").map(Number);
  const body: number[] = [];
  // X.690 8.19: the first two arcs combine into one subidentifier (2.999 -> 1079), base-128 like the rest.
  for (const arc of [40 * arcs[0]! + arcs[1]!, ...arcs.slice(2)]) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    body.push(...chunk);
  }
  const out = tlv(0x06, Uint8Array.from(body));
  oidCache.set(dotted, out);
  return out;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, "0");
/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; whole seconds, Zulu. */
export function time(d: Date): Der {
  const y = d.getUTCFullYear();
  const rest = `${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
  if (y >= 1950 && y < 2050) return tlv(0x17, enc.encode(`${pad(y % 100)}${rest}`));
  return tlv(0x18, enc.encode(`${pad(y, 4)}${rest}`));
}

export { read, children, readTop, slice, content, type Node } from "./der-reader.js";
