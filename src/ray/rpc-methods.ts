/**
 * The unary methods raytls serves and calls, as grpc-js method definitions (path + codecs).
 * Paths are exactly Ray's (`/ray.rpc.NodeInfoGcsService/CheckAlive`, ...) so a Ray client or a
 * gRPC C-core client built from Ray's protos talks to a raytls head unchanged.
 */
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";
import { decodeMessage, encodeMessage } from "./proto-codec.js";
import type { MessageOf, MessageSchema } from "./proto-schema.js";
import * as gcs from "./gcs-schema.js";
import * as lab from "./lab-schema.js";

/** A unary method whose request and response types come from its two field tables. */
export type UnaryMethod<Req extends MessageSchema, Res extends MessageSchema> = MethodDefinition<MessageOf<Req>, MessageOf<Res>>;

export function unary<Req extends MessageSchema, Res extends MessageSchema>(path: string, req: Req, res: Res): UnaryMethod<Req, Res> {
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: (m) => encodeMessage(req, m),
    requestDeserialize: (b) => decodeMessage(req, b),
    responseSerialize: (m) => encodeMessage(res, m),
    responseDeserialize: (b) => decodeMessage(res, b),
  };
}

export const methods = {
  getClusterId: unary("/ray.rpc.NodeInfoGcsService/GetClusterId", gcs.GetClusterIdRequest, gcs.GetClusterIdReply),
  checkAlive: unary("/ray.rpc.NodeInfoGcsService/CheckAlive", gcs.CheckAliveRequest, gcs.CheckAliveReply),
  internalKvGet: unary("/ray.rpc.InternalKVGcsService/InternalKVGet", gcs.InternalKVGetRequest, gcs.InternalKVGetReply),
  healthCheck: unary("/grpc.health.v1.Health/Check", gcs.HealthCheckRequest, gcs.HealthCheckResponse),
  register: unary("/raytls.lab.v1.LabNodeService/Register", lab.RegisterRequest, lab.RegisterReply),
  heartbeat: unary("/raytls.lab.v1.LabNodeService/Heartbeat", lab.HeartbeatRequest, lab.HeartbeatReply),
  listNodes: unary("/raytls.lab.v1.LabNodeService/ListNodes", lab.ListNodesRequest, lab.ListNodesReply),
} as const;

export type MethodName = keyof typeof methods;
export type RequestOf<M extends MethodName> = Parameters<(typeof methods)[M]["requestSerialize"]>[0];
export type ResponseOf<M extends MethodName> = ReturnType<(typeof methods)[M]["responseDeserialize"]>;

/** The definition of a method by name, typed by its own tables (an indexed access TS cannot narrow by itself). */
export function methodNamed<M extends MethodName>(name: M): MethodDefinition<RequestOf<M>, ResponseOf<M>> {
  return methods[name] as unknown as MethodDefinition<RequestOf<M>, ResponseOf<M>>;
}

/** Options of one call, on either client (rpc-client.ts, h2-rpc-client.ts). */
export interface CallOptions {
  /** Milliseconds from now. Default 10,000 (ray health-check's default timeout). */
  timeoutMs?: number;
  metadata?: Record<string, string>;
}

/** Service definitions for `server.addService`, grouped as the .proto files group them. */
export const services = {
  nodeInfo: { GetClusterId: methods.getClusterId, CheckAlive: methods.checkAlive } as ServiceDefinition,
  internalKv: { InternalKVGet: methods.internalKvGet } as ServiceDefinition,
  health: { Check: methods.healthCheck } as ServiceDefinition,
  lab: { Register: methods.register, Heartbeat: methods.heartbeat, ListNodes: methods.listNodes } as ServiceDefinition,
};
