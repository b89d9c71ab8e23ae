/**
 * Field tables for proto/ray_gcs_slice.proto (package ray.rpc) and proto/grpc_health_v1.proto,
 * with the TypeScript shape of each message. Field numbers are Ray's (facts section 2).
 */
import { message, type MessageOf } from "./proto-schema.js";

export const GcsStatus = message({
  fullName: "ray.rpc.GcsStatus",
  fields: [
    { name: "code", no: 1, type: "int32" },
    { name: "message", no: 2, type: "string" },
  ],
});
export type GcsStatusMsg = MessageOf<typeof GcsStatus>;

export const CheckAliveRequest = message({
  fullName: "ray.rpc.CheckAliveRequest",
  fields: [{ name: "nodeIds", no: 1, type: "bytes", repeated: true }],
});
export type CheckAliveRequestMsg = MessageOf<typeof CheckAliveRequest>;

export const CheckAliveReply = message({
  fullName: "ray.rpc.CheckAliveReply",
  fields: [
    { name: "status", no: 1, type: "message", schema: GcsStatus },
    { name: "rayVersion", no: 2, type: "string" },
    { name: "rayletAlive", no: 3, type: "bool", repeated: true },
  ],
});
export type CheckAliveReplyMsg = MessageOf<typeof CheckAliveReply>;

export const GetClusterIdRequest = message({ fullName: "ray.rpc.GetClusterIdRequest", fields: [] });
export type GetClusterIdRequestMsg = MessageOf<typeof GetClusterIdRequest>;

export const GetClusterIdReply = message({
  fullName: "ray.rpc.GetClusterIdReply",
  fields: [
    { name: "status", no: 1, type: "message", schema: GcsStatus },
    { name: "clusterId", no: 2, type: "bytes" },
  ],
});
export type GetClusterIdReplyMsg = MessageOf<typeof GetClusterIdReply>;

export const InternalKVGetRequest = message({
  fullName: "ray.rpc.InternalKVGetRequest",
  fields: [
    { name: "key", no: 1, type: "bytes" },
    { name: "namespace", no: 2, type: "bytes" },
  ],
});
export type InternalKVGetRequestMsg = MessageOf<typeof InternalKVGetRequest>;

export const InternalKVGetReply = message({
  fullName: "ray.rpc.InternalKVGetReply",
  fields: [
    { name: "status", no: 1, type: "message", schema: GcsStatus },
    { name: "value", no: 2, type: "bytes" },
  ],
});
export type InternalKVGetReplyMsg = MessageOf<typeof InternalKVGetReply>;

export const HealthCheckRequest = message({
  fullName: "grpc.health.v1.HealthCheckRequest",
  fields: [{ name: "service", no: 1, type: "string" }],
});
export type HealthCheckRequestMsg = MessageOf<typeof HealthCheckRequest>;

/** grpc.health.v1.HealthCheckResponse.ServingStatus */
export const SERVING_STATUS = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"] as const;

export const HealthCheckResponse = message({
  fullName: "grpc.health.v1.HealthCheckResponse",
  fields: [{ name: "status", no: 1, type: "int32" }],
});
export type HealthCheckResponseMsg = MessageOf<typeof HealthCheckResponse>;

/** Ray's KV key and namespace that `ray health-check` reads (facts section 2). */
export const CLUSTER_METADATA_KEY = "CLUSTER_METADATA";
export const CLUSTER_METADATA_NAMESPACE = "cluster";
