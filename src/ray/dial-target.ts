/**
 * Turning `--address HOST:PORT` into what to connect to and what name to check.
 *
 * The name checked against the server certificate is always HOST as given (facts section 3:
 * Ray has no target-name override). Where the connection goes can differ: `raytls lab` runs pods
 * on loopback addresses without root, so the head's Kubernetes names are mapped to its address by
 * a hosts override (`RAYTLS_HOSTS="name=ip,name=ip"`), never by editing /etc/hosts.
 */
import { ipVersion } from "../pki/names.js";
import { RaytlsError } from "../errors.js";

export interface DialTarget {
  /** HOST as given: the name checked against the server certificate. */
  host: string;
  port: number;
  /** The address actually dialed when a hosts override applied, else undefined. */
  overrideAddress: string | undefined;
  /** The grpc-js target string. */
  grpcTarget: string;
  /** The `:authority` C-core would send: HOST:PORT as given. */
  authority: string;
}

export type HostsOverride = Map<string, string>;

/** Parses `HOST:PORT` or `[IPv6]:PORT`; `where` names the option, flag or variable in errors. */
export function parseAddress(address: string, where = "address", defaultPort?: number): { host: string; port: number } {
  const bad = (why: string) =>
    new RaytlsError("bad-address", `${where}: "${address}" ${why}`, {
      hint: "give HOST:PORT, e.g. raycluster-tls-head-svc.default.svc.cluster.local:6379 or 10.0.0.5:6379",
      field: where,
    });
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(address);
  if (v6) {
    host = v6[1]!;
    portText = v6[2];
  } else {
    const i = address.lastIndexOf(":");
    if (i >= 0 && address.indexOf(":") !== i) throw bad("is an IPv6 address without brackets");
    host = i >= 0 ? address.slice(0, i) : address;
    portText = i >= 0 ? address.slice(i + 1) : undefined;
  }
  if (!host) throw bad("has no host");
  if (portText === undefined) {
    if (defaultPort === undefined) throw bad("has no port");
    return { host, port: defaultPort };
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) throw bad("has an invalid port");
  return { host, port };
}

/** Parses `RAYTLS_HOSTS` ("name=ip,name=ip"); keys compare without case and trailing dot. */
export function parseHostsOverride(text: string | undefined, where = "RAYTLS_HOSTS"): HostsOverride {
  const map: HostsOverride = new Map();
  if (!text) return map;
  for (const entry of text.split(/[,\s]+/).filter(Boolean)) {
    const [name, ip] = entry.split("=");
    if (!name || !ip || !ipVersion(ip)) {
      throw new RaytlsError("bad-hosts-override", `${where}: entry "${entry}" is not NAME=IP`, {
        hint: `write ${where}="raycluster-tls-head-svc.default.svc.cluster.local=127.0.0.2,..."`,
      });
    }
    map.set(normalise(name), ip);
  }
  return map;
}

export function formatHostsOverride(map: Record<string, string>): string {
  return Object.entries(map)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}

export function resolveTarget(address: string, hosts: HostsOverride = new Map(), where = "address"): DialTarget {
  const { host, port } = parseAddress(address, where);
  const mapped = hosts.get(normalise(host));
  const dialHost = mapped ?? host;
  const kind = ipVersion(dialHost);
  const grpcTarget =
    kind === 4 ? `ipv4:${dialHost}:${port}` : kind === 6 ? `ipv6:[${dialHost}]:${port}` : `dns:${dialHost}:${port}`;
  const authority = ipVersion(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
  return { host, port, overrideAddress: mapped, grpcTarget, authority };
}
