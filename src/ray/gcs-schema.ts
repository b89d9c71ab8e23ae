/**
 * Field tables for proto/ray_gcs_slice.proto (package ray.rpc) and proto/grpc_health_v1.proto,
 * with the TypeScript shape of each message. Field numbers are Ray's (facts section 2).
 */
import type { MessageSchema } from "./proto-codec.js";

export const GcsStatus: MessageSchema = {
  fullName: "ray.rpc.GcsStatus",
  fields: [
    { name: "code", no: 1, type: "int32" },
    { name: "message", no: 2, type: "string" },
  ],
};
export interface GcsStatusMsg {
  code: number;
  message: string;
}

export const CheckAliveRequest: MessageSchema = {
  fullName: "ray.rpc.CheckAliveRequest",
  fields: [{ name: "nodeIds", no: 1, type: "bytes", repeated: true }],
};
export interface CheckAliveRequestMsg {
  nodeIds: Buffer[];
}

export const CheckAliveReply: MessageSchema = {
  fullName: "ray.rpc.CheckAliveReply",
  fields: [
    { name: "status", no: 1, type: "message", schema: GcsStatus },
    { name: "rayVersion", no: 2, type: "string" },
    { name: "rayletAlive", no: 3, type: "bool", repeated: true },
  ],
};
export interface CheckAliveReplyMsg {
  status?: GcsStatusMsg;
  rayVersion: string;
  rayletAlive: boolean[];
}

export const GetClusterIdRequest: MessageSchema = { fullName: "ray.rpc.GetClusterIdRequest", fields: [] };
export type GetClusterIdRequestMsg = Record<string, never>;

export const GetClusterIdReply: MessageSchema = {
  fullName: "ray.rpc.GetClusterIdReply",
  fields: [
    { name: "status", no: 1, type: "message", schema: GcsStatus },
    { name: "clusterId", no: 2, type: "bytes" },
  ],
};
export interface GetClusterIdReplyMsg {
  status?: GcsStatusMsg;
  clusterId: Buffer;
}

export const InternalKVGetRequest: MessageSchema = {
  fullName: "ray.rpc.InternalKVGetRequest",
  fields: [
    { name: "key", no: 1, type: "bytes" },
    { name: "namespace", no: 2, type: "bytes" },
  ],
};
export interface InternalKVGetRequestMsg {
  key: Buffer;
  namespace: Buffer;
}

export const InternalKVGetReply: MessageSchema = {
  fullName: "ray.rpc.InternalKVGetReply",
  fields: [
    { name: "status", no: 1, type: "message", schema: GcsStatus },
    { name: "value", no: 2, type: "bytes" },
  ],
};
export interface InternalKVGetReplyMsg {
  status?: GcsStatusMsg;
  value: Buffer;
}

export const HealthCheckRequest: MessageSchema = {
  fullName: "grpc.health.v1.HealthCheckRequest",
  fields: [{ name: "service", no: 1, type: "string" }],
};
export interface HealthCheckRequestMsg {
  service: string;
}

/** grpc.health.v1.HealthCheckResponse.ServingStatus */
export const SERVING_STATUS = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"] as const;

export const HealthCheckResponse: MessageSchema = {
  fullName: "grpc.health.v1.HealthCheckResponse",
  fields: [{ name: "status", no: 1, type: "int32" }],
};
export interface HealthCheckResponseMsg {
  status: number;
}

/** Ray's KV key and namespace that `ray health-check` reads (facts section 2). */
export const CLUSTER_METADATA_KEY = "CLUSTER_METADATA";
export const CLUSTER_METADATA_NAMESPACE = "cluster";
