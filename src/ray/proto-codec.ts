/**
 * A small proto3 wire-format codec driven by field tables that mirror the files in `proto/`.
 *
 * Why not @grpc/proto-loader at run time: loading protobufjs and parsing .proto files costs
 * 30-50 ms on every start, and `raytls health-check` has a cold-start target of 150 ms (issue 3).
 * The field tables (src/ray/proto-schema.ts) are the one source of each message's wire layout and
 * TypeScript type; test/ray/proto-codec.test.ts round-trips samples of every method through
 * `proto/*.proto` (compiled by proto-loader), so tables and .proto files cannot drift apart silently.
 *
 * Supported: int32, int64 (as number; exact to 2^53), bool, enum (as int32), string, bytes,
 * nested messages, repeated fields (packed for scalars on write, both forms on read), as proto3
 * requires. Unknown fields are skipped, as every protobuf runtime does.
 */
import { RaytlsError } from "../errors.js";
import type { FieldSpec, FieldType, MessageOf, MessageSchema } from "./proto-schema.js";

export type { FieldSpec, FieldType, MessageOf, MessageSchema } from "./proto-schema.js";

export type Decoded = Record<string, unknown>;

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

class Writer {
  private chunks: Buffer[] = [];
  private buf = Buffer.allocUnsafe(64);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(Math.max(n, 64));
  }
  private flush(): void {
    if (this.pos > 0) this.chunks.push(Buffer.from(this.buf.subarray(0, this.pos)));
    this.pos = 0;
  }
  varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    this.ensure(10);
    // Fast path for small non-negative numbers, which are nearly all of them.
    if (v < 0x80n) {
      this.buf[this.pos++] = Number(v);
      return;
    }
    while (v >= 0x80n) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }
  tag(no: number, wire: number): void {
    this.varint((no << 3) | wire);
  }
  bytes(data: Uint8Array): void {
    this.varint(data.length);
    this.flush();
    this.chunks.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }
  finish(): Buffer {
    this.flush();
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
  }
}

function isDefault(type: FieldType, v: unknown): boolean {
  if (v === undefined || v === null) return true;
  switch (type) {
    case "int32":
    case "int64":
      return Number(v) === 0;
    case "bool":
      return v === false;
    case "string":
      return v === "";
    case "bytes":
      return (v as Uint8Array).length === 0;
    case "message":
      return false;
  }
}

function scalarBytes(type: FieldType, v: unknown): Uint8Array {
  if (type === "string") return Buffer.from(String(v), "utf8");
  const b = v as Uint8Array | string;
  return typeof b === "string" ? Buffer.from(b, "utf8") : b;
}

function writeMessage(w: Writer, schema: MessageSchema, msg: Decoded): void {
  for (const f of schema.fields) {
    const v = msg[f.name];
    if (f.repeated) {
      const list = (v as unknown[] | undefined) ?? [];
      if (list.length === 0) continue;
      if (f.type === "int32" || f.type === "int64" || f.type === "bool") {
        // proto3 packs repeated scalars by default.
        const inner = new Writer();
        for (const item of list) inner.varint(f.type === "bool" ? (item ? 1 : 0) : BigInt(item as number));
        w.tag(f.no, WIRE_LEN);
        w.bytes(inner.finish());
      } else {
        for (const item of list) writeField(w, f, item);
      }
      continue;
    }
    if (f.type !== "message" && isDefault(f.type, v)) continue; // proto3: defaults are not sent
    if (f.type === "message" && (v === undefined || v === null)) continue;
    writeField(w, f, v);
  }
}

function writeField(w: Writer, f: FieldSpec, v: unknown): void {
  switch (f.type) {
    case "int32":
    case "int64":
      w.tag(f.no, WIRE_VARINT);
      w.varint(BigInt(v as number)); // negative int32 is a 10-byte varint, as proto3 says
      return;
    case "bool":
      w.tag(f.no, WIRE_VARINT);
      w.varint(v ? 1 : 0);
      return;
    case "string":
    case "bytes":
      w.tag(f.no, WIRE_LEN);
      w.bytes(scalarBytes(f.type, v));
      return;
    case "message": {
      const inner = new Writer();
      writeMessage(inner, f.schema!, v as Decoded);
      w.tag(f.no, WIRE_LEN);
      w.bytes(inner.finish());
      return;
    }
  }
}

/** proto3: every field may be left out (it is then not sent, as its default). */
export function encodeMessage<S extends MessageSchema>(schema: S, msg: Partial<MessageOf<S>>): Buffer {
  const w = new Writer();
  writeMessage(w, schema, msg as Decoded);
  return w.finish();
}

/** Bytes from a peer that are not the message they claim to be: a RaytlsError, never a raw Error (issue 13 fuzzing). */
function protoError(message: string): RaytlsError {
  return new RaytlsError("bad-protobuf", message, { hint: "the peer sent a reply that is not the expected Ray/gRPC message; check that the address is a Ray GCS port" });
}

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw protoError("protobuf: truncated varint");
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw protoError("protobuf: varint too long");
    }
  }
  take(n: number): Buffer {
    if (this.pos + n > this.buf.length) throw protoError("protobuf: truncated field");
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

function scalarFromVarint(type: FieldType, v: bigint): unknown {
  if (type === "bool") return v !== 0n;
  if (type === "int32") return Number(BigInt.asIntN(32, v));
  return Number(BigInt.asIntN(64, v));
}

function defaults(schema: MessageSchema): Decoded {
  const out: Decoded = {};
  for (const f of schema.fields) {
    if (f.repeated) out[f.name] = [];
    else if (f.type === "int32" || f.type === "int64") out[f.name] = 0;
    else if (f.type === "bool") out[f.name] = false;
    else if (f.type === "string") out[f.name] = "";
    else if (f.type === "bytes") out[f.name] = Buffer.alloc(0);
    else out[f.name] = undefined;
  }
  return out;
}

export function decodeMessage<S extends MessageSchema>(schema: S, buf: Buffer): MessageOf<S> {
  const out = defaults(schema);
  const r = new Reader(buf);
  const byNo = new Map(schema.fields.map((f) => [f.no, f]));
  while (r.pos < buf.length) {
    const key = Number(r.varint());
    const no = key >>> 3;
    const wire = key & 7;
    const f = byNo.get(no);
    if (!f) {
      skip(r, wire);
      continue;
    }
    if (wire === WIRE_VARINT) {
      const v = scalarFromVarint(f.type, r.varint());
      if (f.repeated) (out[f.name] as unknown[]).push(v);
      else out[f.name] = v;
    } else if (wire === WIRE_LEN) {
      const data = r.take(Number(r.varint()));
      if (f.repeated && (f.type === "int32" || f.type === "int64" || f.type === "bool")) {
        const inner = new Reader(data);
        while (inner.pos < data.length) (out[f.name] as unknown[]).push(scalarFromVarint(f.type, inner.varint()));
        continue;
      }
      let v: unknown;
      if (f.type === "string") v = data.toString("utf8");
      else if (f.type === "bytes") v = Buffer.from(data);
      else if (f.type === "message") v = decodeMessage(f.schema!, data);
      else throw protoError(`protobuf: field ${schema.fullName}.${f.name} has wire type 2`);
      if (f.repeated) (out[f.name] as unknown[]).push(v);
      else out[f.name] = v;
    } else {
      throw protoError(`protobuf: field ${schema.fullName}.${f.name} has unexpected wire type ${wire}`);
    }
  }
  return out as MessageOf<S>;
}

function skip(r: Reader, wire: number): void {
  if (wire === WIRE_VARINT) r.varint();
  else if (wire === WIRE_I64) r.take(8);
  else if (wire === WIRE_LEN) r.take(Number(r.varint()));
  else if (wire === WIRE_I32) r.take(4);
  else throw protoError(`protobuf: unsupported wire type ${wire}`);
}
