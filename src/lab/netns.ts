/**
 * Network namespaces for `raytls lab --netns` (root): one namespace per pod, connected by veth
 * pairs to a bridge that lives in a namespace of its own, so nothing is attached to the host's
 * interfaces and 10.244.0.0/24 exists only inside our namespaces. /etc/netns/<ns>/hosts gives
 * each pod the head's FQDN and short name (`ip netns exec` bind-mounts it over /etc/hosts), as
 * Kubernetes DNS would. A `--signer` lab's signer gets a namespace of its own on the same bridge.
 */
import { execFile } from "node:child_process";
import { promises as fsp } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { RaytlsError } from "../errors.js";
import { netnsPrefix, type LabPlan } from "./lab-plan.js";

const run = promisify(execFile);

async function ip(...args: string[]): Promise<string> {
  try {
    return (await run("ip", args, { timeout: 10_000 })).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new RaytlsError("netns", `ip ${args.join(" ")} failed: ${(e.stderr || e.message).trim()}`, {
      hint: "netns mode needs root and iproute2; run `raytls lab down` to remove what was created",
      cause: err,
      kind: "check",
    });
  }
}

/** Why netns mode cannot run here, or undefined when it can. */
export async function netnsUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return "netns mode needs root (network namespaces)";
  try {
    await run("ip", ["netns", "list"], { timeout: 5000 });
  } catch (err) {
    return `cannot run \`ip netns list\`: ${(err as Error).message}`;
  }
  return undefined;
}

export function etcNetnsDir(ns: string): string {
  return join("/etc/netns", ns);
}

/** Creates namespace `ns` holding an up bridge `br0` (and lo): the network the pods plug into. */
export async function addBridgeNamespace(ns: string): Promise<void> {
  await ip("netns", "add", ns);
  await ip("-n", ns, "link", "set", "lo", "up");
  await ip("-n", ns, "link", "add", "br0", "type", "bridge");
  await ip("-n", ns, "link", "set", "br0", "up");
}

/**
 * Creates namespace `ns` with `eth0` at `address`/24, the peer of `veth` on `bridgeNs`'s br0
 * (`veth` is an interface name: at most 15 characters, unique in the bridge namespace).
 */
export async function addBridgedNamespace(bridgeNs: string, ns: string, veth: string, address: string): Promise<void> {
  await ip("netns", "add", ns);
  await ip("-n", bridgeNs, "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns);
  await ip("-n", bridgeNs, "link", "set", veth, "master", "br0", "up");
  await ip("-n", ns, "addr", "add", `${address}/24`, "dev", "eth0");
  await ip("-n", ns, "link", "set", "eth0", "up");
  await ip("-n", ns, "link", "set", "lo", "up");
}

/** Writes /etc/netns/<ns>/hosts, which `ip netns exec <ns>` bind-mounts over /etc/hosts. */
export async function writeNetnsHosts(ns: string, text: string): Promise<string> {
  const dir = etcNetnsDir(ns);
  await fsp.mkdir(dir, { recursive: true });
  await fsp.writeFile(join(dir, "hosts"), text);
  return dir;
}

/**
 * Creates the bridge namespace and one namespace per pod. `record` is called with each name
 * *before* it is created, so a crash halfway leaves a state file that lists it.
 */
export async function createNetwork(plan: LabPlan, record: (kind: "netns" | "etc", name: string) => Promise<void>): Promise<void> {
  const br = plan.bridgeNetns!;
  await record("netns", br);
  await addBridgeNamespace(br);
  const hosts = `127.0.0.1 localhost\n::1 localhost\n${plan.pods[0]!.ip} ${plan.headFqdn} ${plan.headShort}\n`;
  for (const [i, pod] of plan.pods.entries()) {
    const ns = pod.netns!;
    await record("netns", ns);
    await addBridgedNamespace(br, ns, `veth${i}`, pod.ip);
    await record("etc", etcNetnsDir(ns));
    await writeNetnsHosts(ns, `${hosts}${pod.ip} ${plan.name}-${pod.name}\n`);
  }
  if (plan.signer?.netns) {
    // The signer: its own namespace and IP on the same bridge, as a signer pod on the pod network.
    await record("netns", plan.signer.netns);
    await addBridgedNamespace(br, plan.signer.netns, "vethsig", plan.signer.ip);
  }
}

/** Namespaces that exist now whose names start with `prefix`. */
export async function listNetns(prefix: string): Promise<string[]> {
  const out = (await run("ip", ["netns", "list"]).catch(() => ({ stdout: "" }))).stdout;
  return out
    .split("\n")
    .map((l) => l.split(" ")[0]!)
    .filter((n) => n && n.startsWith(prefix));
}

/** Deletes the given namespaces and /etc/netns dirs, and any left-over `raytls-<name>-*`. */
export async function deleteNetwork(name: string, netns: string[], etcDirs: string[]): Promise<string[]> {
  const prefix = netnsPrefix(name);
  const existing = await listNetns(prefix);
  const doomed = new Set([...netns.filter((n) => n.startsWith(prefix)), ...existing]);
  const removed: string[] = [];
  for (const ns of doomed) {
    if (!existing.includes(ns)) continue;
    await ip("netns", "delete", ns).catch(() => undefined);
    removed.push(ns);
  }
  for (const dir of new Set([...etcDirs, ...[...doomed].map(etcNetnsDir)])) {
    if (dir.startsWith(`/etc/netns/${prefix}`)) await fsp.rm(dir, { recursive: true, force: true });
  }
  // /etc/netns itself only goes if it is empty (someone else's entries stay).
  await fsp.rmdir("/etc/netns").catch(() => undefined);
  return removed;
}

/** Namespaces of this lab name that exist now. */
export function listLabNetns(name: string): Promise<string[]> {
  return listNetns(netnsPrefix(name));
}
