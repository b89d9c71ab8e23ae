/** Asks a raytls head which workers registered and how they are (raytls.lab.v1 ListNodes). */
import { RayRpcClient } from "./rpc-client.js";
import { resolveTarget, type HostsOverride } from "./dial-target.js";
import type { ClientTls } from "./client-tls.js";
import type { NodeInfoMsg } from "./lab-schema.js";

export async function listNodes(address: string, tls: ClientTls | null, hosts?: HostsOverride, timeoutMs = 3000): Promise<NodeInfoMsg[]> {
  const client = new RayRpcClient(resolveTarget(address, hosts), tls);
  try {
    return (await client.call("listNodes", {}, { timeoutMs })).nodes;
  } finally {
    client.close();
  }
}
