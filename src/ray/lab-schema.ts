/**
 * Field tables for proto/raytls_lab_v1.proto: raytls's own registration and heartbeat service
 * between `raytls node` processes. Not Ray's protocol.
 */
import type { MessageSchema } from "./proto-codec.js";

export const RegisterRequest: MessageSchema = {
  fullName: "raytls.lab.v1.RegisterRequest",
  fields: [
    { name: "nodeId", no: 1, type: "string" },
    { name: "role", no: 2, type: "string" },
    { name: "podIp", no: 3, type: "string" },
    { name: "port", no: 4, type: "int32" },
    { name: "hostname", no: 5, type: "string" },
  ],
};
export interface RegisterRequestMsg {
  nodeId: string;
  role: string;
  podIp: string;
  port: number;
  hostname: string;
}

export const RegisterReply: MessageSchema = {
  fullName: "raytls.lab.v1.RegisterReply",
  fields: [
    { name: "clusterId", no: 1, type: "string" },
    { name: "heartbeatIntervalMs", no: 2, type: "int32" },
  ],
};
export interface RegisterReplyMsg {
  clusterId: string;
  heartbeatIntervalMs: number;
}

export const HeartbeatRequest: MessageSchema = {
  fullName: "raytls.lab.v1.HeartbeatRequest",
  fields: [{ name: "nodeId", no: 1, type: "string" }],
};
export interface HeartbeatRequestMsg {
  nodeId: string;
}

export const HeartbeatReply: MessageSchema = {
  fullName: "raytls.lab.v1.HeartbeatReply",
  fields: [{ name: "known", no: 1, type: "bool" }],
};
export interface HeartbeatReplyMsg {
  known: boolean;
}

export const ListNodesRequest: MessageSchema = { fullName: "raytls.lab.v1.ListNodesRequest", fields: [] };

export const NodeInfo: MessageSchema = {
  fullName: "raytls.lab.v1.NodeInfo",
  fields: [
    { name: "nodeId", no: 1, type: "string" },
    { name: "role", no: 2, type: "string" },
    { name: "podIp", no: 3, type: "string" },
    { name: "port", no: 4, type: "int32" },
    { name: "alive", no: 5, type: "bool" },
    { name: "lastHeartbeatUnixMs", no: 6, type: "int64" },
    { name: "dialBackOk", no: 7, type: "bool" },
    { name: "dialBackError", no: 8, type: "string" },
  ],
};
export interface NodeInfoMsg {
  nodeId: string;
  role: string;
  podIp: string;
  port: number;
  alive: boolean;
  lastHeartbeatUnixMs: number;
  dialBackOk: boolean;
  dialBackError: string;
}

export const ListNodesReply: MessageSchema = {
  fullName: "raytls.lab.v1.ListNodesReply",
  fields: [{ name: "nodes", no: 1, type: "message", repeated: true, schema: NodeInfo }],
};
export interface ListNodesReplyMsg {
  nodes: NodeInfoMsg[];
}

/** proto/raytls_bench_v1.proto */
export const EchoMessage: MessageSchema = {
  fullName: "raytls.bench.v1.EchoMessage",
  fields: [{ name: "payload", no: 1, type: "bytes" }],
};
export interface EchoMessageMsg {
  payload: Buffer;
}
