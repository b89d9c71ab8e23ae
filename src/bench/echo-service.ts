/**
 * The gRPC benchmark's echo (proto/raytls_bench_v1.proto): its field table, its method and the
 * service a bench head adds (`raytls node --role head --bench-echo`). Measurement only, so it lives
 * with the bench rather than beside Ray's protocol in src/ray (issue 12 section 3).
 */
import type { ServiceDefinition, UntypedServiceImplementation } from "@grpc/grpc-js";
import { message, type MessageOf } from "../ray/proto-schema.js";
import { unary } from "../ray/rpc-methods.js";
import type { ExtraService } from "../ray/head-node.js";

export const EchoMessage = message({
  fullName: "raytls.bench.v1.EchoMessage",
  fields: [{ name: "payload", no: 1, type: "bytes" }],
});
export type EchoMessageMsg = MessageOf<typeof EchoMessage>;

export const echoMethod = unary("/raytls.bench.v1.Echo/Echo", EchoMessage, EchoMessage);

/** Sends the payload back unchanged. */
export const echoService: ExtraService = {
  definition: { Echo: echoMethod } as ServiceDefinition,
  implementation: {
    Echo: (call: { request: EchoMessageMsg }, cb: (err: null, reply: EchoMessageMsg) => void) => cb(null, { payload: call.request.payload }),
  } as UntypedServiceImplementation,
};
