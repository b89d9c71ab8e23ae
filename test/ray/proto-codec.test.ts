/**
 * The hand-written codec (src/ray/proto-codec.ts + field tables) against the .proto files in
 * proto/, compiled by @grpc/proto-loader: each message encoded by one side decodes on the other,
 * so the tables cannot drift from the declarations.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { fileURLToPath } from "node:url";
import { loadSync, type MethodDefinition as PlMethod } from "@grpc/proto-loader";
import { methods as rayMethods } from "../../src/ray/rpc-methods.js";
import { echoMethod } from "../../src/bench/echo-service.js";
import { encodeMessage, decodeMessage } from "../../src/ray/proto-codec.js";
import { CheckAliveReply, type CheckAliveReplyMsg, type GcsStatusMsg } from "../../src/ray/gcs-schema.js";
import type { NodeInfoMsg } from "../../src/ray/lab-schema.js";

const proto = (f: string) => fileURLToPath(new URL(`../../proto/${f}`, import.meta.url));
const def = loadSync([proto("ray_gcs_slice.proto"), proto("grpc_health_v1.proto"), proto("raytls_lab_v1.proto"), proto("raytls_bench_v1.proto")], {
  keepCase: false,
  longs: Number,
  enums: Number,
  bytes: Buffer,
  defaults: true,
  arrays: true,
});

function plMethod(path: string): PlMethod<object, object> {
  const [, service, name] = /^\/(.+)\/(\w+)$/.exec(path)!;
  return (def[service!] as Record<string, PlMethod<object, object>>)[name!]!;
}

const methods = { ...rayMethods, echo: echoMethod };

const samples: Record<keyof typeof methods, [object, object]> = {
  getClusterId: [{}, { status: { code: 0, message: "" }, clusterId: Buffer.from("abcd", "hex") }],
  checkAlive: [{ nodeIds: [Buffer.from("01", "hex"), Buffer.from("ff", "hex")] }, { status: { code: -5, message: "x" }, rayVersion: "2.52.0", rayletAlive: [true, false, true] }],
  internalKvGet: [{ key: Buffer.from("CLUSTER_METADATA"), namespace: Buffer.from("cluster") }, { status: { code: 17, message: "nf" }, value: Buffer.from("{}") }],
  healthCheck: [{ service: "ray.rpc.X" }, { status: 2 }],
  register: [{ nodeId: "ab", role: "worker", podIp: "10.244.0.3", port: 4321, hostname: "w" }, { clusterId: "ff", heartbeatIntervalMs: 500 }],
  heartbeat: [{ nodeId: "ab" }, { known: true }],
  echo: [{ payload: Buffer.from("hi") }, { payload: Buffer.alloc(0) }],
  listNodes: [{}, { nodes: [{ nodeId: "a", role: "worker", podIp: "127.0.0.3", port: 1, alive: true, lastHeartbeatUnixMs: 1764300000000, dialBackOk: false, dialBackError: "e" }] }],
};

describe("proto codec is wire-compatible with proto/*.proto", () => {
  for (const [name, m] of Object.entries(methods)) {
    it(`${m.path}: both directions`, () => {
      const pl = plMethod(m.path);
      const [req, res] = samples[name as keyof typeof methods];
      // ours -> proto-loader
      expect(pl.requestDeserialize(m.requestSerialize(req as never) as Buffer)).toMatchObject(req);
      expect(pl.responseDeserialize((m.responseSerialize as (x: object) => Buffer)(res))).toMatchObject(res);
      // proto-loader -> ours
      expect(m.requestDeserialize(pl.requestSerialize(req))).toMatchObject(req);
      expect((m.responseDeserialize as (b: Buffer) => object)(pl.responseSerialize(res))).toMatchObject(res);
    });
  }

  it("reads unpacked repeated bools and skips unknown fields", () => {
    // field 3 as two separate varints (unpacked), then an unknown field 9 (varint 1)
    const buf = Buffer.from([0x18, 0x01, 0x18, 0x00, 0x48, 0x01]);
    expect(decodeMessage(CheckAliveReply, buf)).toMatchObject({ rayletAlive: [true, false], rayVersion: "" });
    expect(encodeMessage(CheckAliveReply, { rayVersion: "", rayletAlive: [] })).toHaveLength(0);
  });

  it("the TypeScript types come from the same tables (checked by tsc on this file)", () => {
    expectTypeOf<CheckAliveReplyMsg>().toEqualTypeOf<{ rayVersion: string; rayletAlive: boolean[] } & { status?: GcsStatusMsg }>();
    expectTypeOf<NodeInfoMsg["lastHeartbeatUnixMs"]>().toEqualTypeOf<number>();
    expectTypeOf(decodeMessage(CheckAliveReply, Buffer.alloc(0)).rayletAlive).toEqualTypeOf<boolean[]>();
    expectTypeOf<ReturnType<typeof echoMethod.responseDeserialize>["payload"]>().toEqualTypeOf<Buffer>();
    // @ts-expect-error: a field the table does not have is refused
    encodeMessage(CheckAliveReply, { rayVersion: "", nodeCount: 1 });
  });
});
