/**
 * Field tables for proto/raytls_lab_v1.proto: raytls's own registration and heartbeat service
 * between `raytls node` processes. Not Ray's protocol.
 */
import { message, type MessageOf } from "./proto-schema.js";

export const RegisterRequest = message({
  fullName: "raytls.lab.v1.RegisterRequest",
  fields: [
    { name: "nodeId", no: 1, type: "string" },
    { name: "role", no: 2, type: "string" },
    { name: "podIp", no: 3, type: "string" },
    { name: "port", no: 4, type: "int32" },
    { name: "hostname", no: 5, type: "string" },
  ],
});
export type RegisterRequestMsg = MessageOf<typeof RegisterRequest>;

export const RegisterReply = message({
  fullName: "raytls.lab.v1.RegisterReply",
  fields: [
    { name: "clusterId", no: 1, type: "string" },
    { name: "heartbeatIntervalMs", no: 2, type: "int32" },
  ],
});
export type RegisterReplyMsg = MessageOf<typeof RegisterReply>;

export const HeartbeatRequest = message({
  fullName: "raytls.lab.v1.HeartbeatRequest",
  fields: [{ name: "nodeId", no: 1, type: "string" }],
});
export type HeartbeatRequestMsg = MessageOf<typeof HeartbeatRequest>;

export const HeartbeatReply = message({
  fullName: "raytls.lab.v1.HeartbeatReply",
  fields: [{ name: "known", no: 1, type: "bool" }],
});
export type HeartbeatReplyMsg = MessageOf<typeof HeartbeatReply>;

export const ListNodesRequest = message({ fullName: "raytls.lab.v1.ListNodesRequest", fields: [] });
export type ListNodesRequestMsg = MessageOf<typeof ListNodesRequest>;

export const NodeInfo = message({
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
});
export type NodeInfoMsg = MessageOf<typeof NodeInfo>;

export const ListNodesReply = message({
  fullName: "raytls.lab.v1.ListNodesReply",
  fields: [{ name: "nodes", no: 1, type: "message", repeated: true, schema: NodeInfo }],
});
export type ListNodesReplyMsg = MessageOf<typeof ListNodesReply>;
