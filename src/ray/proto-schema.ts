/**
 * Field tables, the one source for both the wire format and the TypeScript type of each message
 * (issue 12 section 3): a table is written once with `message({...})`, which keeps its literal types,
 * and `MessageOf<typeof Table>` derives the message's shape from it, so a field added, renamed or
 * retyped in a table changes the type every caller sees. The tables mirror `proto/*.proto`;
 * test/ray/proto-codec.test.ts round-trips samples through @grpc/proto-loader to keep them honest.
 */
export type FieldType = "int32" | "int64" | "bool" | "string" | "bytes" | "message";

export interface FieldSpec {
  readonly name: string;
  readonly no: number;
  readonly type: FieldType;
  readonly repeated?: boolean;
  /** For type "message". */
  readonly schema?: MessageSchema;
}

export interface MessageSchema {
  /** Fully-qualified proto name, e.g. "ray.rpc.GcsStatus". */
  readonly fullName: string;
  readonly fields: readonly FieldSpec[];
}

/** Declares a field table, keeping its names and types literal so `MessageOf` can read them. */
export function message<const S extends MessageSchema>(schema: S): S {
  return schema;
}

/** How the codec hands out each proto3 type: int64 as a number (exact to 2^53), bytes as a Buffer. */
type ScalarOf<F extends FieldSpec> = F["type"] extends "int32" | "int64"
  ? number
  : F["type"] extends "bool"
    ? boolean
    : F["type"] extends "string"
      ? string
      : F["type"] extends "bytes"
        ? Buffer
        : F["schema"] extends MessageSchema
          ? MessageOf<F["schema"]>
          : never;

type Fields<S extends MessageSchema> = S["fields"][number];
/** A singular message field may be absent (proto3 has presence for messages only); everything else has its default. */
type Optional<S extends MessageSchema> = Extract<Fields<S>, { type: "message"; repeated?: false }>;
type Required<S extends MessageSchema> = Exclude<Fields<S>, Optional<S>>;

/** The TypeScript shape of a message, as decodeMessage returns it and encodeMessage takes it. */
export type MessageOf<S extends MessageSchema> = {
  [F in Required<S> as F["name"]]: F["repeated"] extends true ? Array<ScalarOf<F>> : ScalarOf<F>;
} & {
  [F in Optional<S> as F["name"]]?: ScalarOf<F>;
};
