/**
 * The unary methods raytls serves and calls, as grpc-js method definitions (path + codecs).
 * Paths are exactly Ray's (`/ray.rpc.NodeInfoGcsService/CheckAlive`, ...) so a Ray client or a
 * gRPC C-core client built from Ray's protos talks to a raytls head unchanged.
 */
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";
import { decodeMessage, encodeMessage, type MessageSchema } from "./proto-codec.js";
import * as gcs from "./gcs-schema.js";
import * as lab from "./lab-schema.js";

function unary<Req, Res>(path: string, req: MessageSchema, res: MessageSchema): MethodDefinition<Req, Res> {
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: (m: Req) => encodeMessage(req, m as Record<string, unknown>),
    requestDeserialize: (b: Buffer) => decodeMessage<Req>(req, b),
    responseSerialize: (m: Res) => encodeMessage(res, m as Record<string, unknown>),
    responseDeserialize: (b: Buffer) => decodeMessage<Res>(res, b),
  };
}

export const methods = {
  getClusterId: unary<gcs.GetClusterIdRequestMsg, gcs.GetClusterIdReplyMsg>(
    "/ray.rpc.NodeInfoGcsService/GetClusterId",
    gcs.GetClusterIdRequest,
    gcs.GetClusterIdReply,
  ),
  checkAlive: unary<gcs.CheckAliveRequestMsg, gcs.CheckAliveReplyMsg>(
    "/ray.rpc.NodeInfoGcsService/CheckAlive",
    gcs.CheckAliveRequest,
    gcs.CheckAliveReply,
  ),
  internalKvGet: unary<gcs.InternalKVGetRequestMsg, gcs.InternalKVGetReplyMsg>(
    "/ray.rpc.InternalKVGcsService/InternalKVGet",
    gcs.InternalKVGetRequest,
    gcs.InternalKVGetReply,
  ),
  healthCheck: unary<gcs.HealthCheckRequestMsg, gcs.HealthCheckResponseMsg>(
    "/grpc.health.v1.Health/Check",
    gcs.HealthCheckRequest,
    gcs.HealthCheckResponse,
  ),
  register: unary<lab.RegisterRequestMsg, lab.RegisterReplyMsg>(
    "/raytls.lab.v1.LabNodeService/Register",
    lab.RegisterRequest,
    lab.RegisterReply,
  ),
  heartbeat: unary<lab.HeartbeatRequestMsg, lab.HeartbeatReplyMsg>(
    "/raytls.lab.v1.LabNodeService/Heartbeat",
    lab.HeartbeatRequest,
    lab.HeartbeatReply,
  ),
  listNodes: unary<Record<string, never>, lab.ListNodesReplyMsg>(
    "/raytls.lab.v1.LabNodeService/ListNodes",
    lab.ListNodesRequest,
    lab.ListNodesReply,
  ),
  echo: unary<lab.EchoMessageMsg, lab.EchoMessageMsg>("/raytls.bench.v1.Echo/Echo", lab.EchoMessage, lab.EchoMessage),
} as const;

export type MethodName = keyof typeof methods;

/** Service definitions for `server.addService`, grouped as the .proto files group them. */
export const services = {
  nodeInfo: { GetClusterId: methods.getClusterId, CheckAlive: methods.checkAlive } as ServiceDefinition,
  internalKv: { InternalKVGet: methods.internalKvGet } as ServiceDefinition,
  health: { Check: methods.healthCheck } as ServiceDefinition,
  echo: { Echo: methods.echo } as ServiceDefinition,
  lab: { Register: methods.register, Heartbeat: methods.heartbeat, ListNodes: methods.listNodes } as ServiceDefinition,
};
