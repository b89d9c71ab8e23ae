/**
 * The seed's SAN rules (seed-kuberay-tls.txt, Step 2):
 *   head   = DNS localhost, DNS <head Service FQDN>, IP 127.0.0.1, IP <pod IP>
 *   worker = DNS localhost,                          IP 127.0.0.1, IP <pod IP>
 * Workers dial the head by its Service FQDN; the head dials workers by pod IP; every process also
 * talks to itself on 127.0.0.1 (Ray's address for the head is 127.0.0.1:<port>, facts section 4).
 * The seed's `DNS.3 = $RAY_IP` tip (the short name) is an extra `--dns`.
 */
import { RaytlsError } from "../errors.js";
import { checkDnsName, checkIp } from "./names.js";
import type { San } from "./san.js";

export type Role = "head" | "worker";

export function parseRole(s: string, where = "role"): Role {
  if (s === "head" || s === "worker") return s;
  throw new RaytlsError("bad-role", `${where}: unknown role "${s}"`, { hint: "use head or worker", field: where });
}

export interface PodIdentity {
  role: Role;
  /** The pod's own IP (the seed's $POD_IP, from status.podIP). */
  podIp: string;
  /** The head Service FQDN (the seed's $FQ_RAY_IP); required for the head. */
  headFqdn?: string;
  /** Extra DNS SANs, e.g. the short Service name. */
  dns?: string[];
  /** Extra IP SANs. */
  ips?: string[];
}

export function podSans(id: PodIdentity): San[] {
  if (!id.podIp) {
    throw new RaytlsError("missing-pod-ip", "podIp: the pod IP is missing", {
      hint: "pass --pod-ip or set POD_IP (in Kubernetes: env POD_IP from fieldRef status.podIP)",
      field: "podIp",
    });
  }
  // Errors name the option (`dns[1]`); the CLI says which flag that is (src/cli/field-flags.ts).
  const podIp = checkIp(id.podIp, "podIp");
  const dns = ["localhost"];
  if (id.role === "head") {
    if (!id.headFqdn) {
      throw new RaytlsError("missing-head-fqdn", "headFqdn: the head certificate needs the head Service FQDN", {
        hint: "pass --head-fqdn or set FQ_RAY_IP (e.g. raycluster-tls-head-svc.default.svc.cluster.local); workers dial the head by it",
        field: "headFqdn",
      });
    }
    dns.push(checkDnsName(id.headFqdn, "headFqdn"));
  }
  (id.dns ?? []).forEach((d, i) => dns.push(checkDnsName(d, `dns[${i}]`)));
  const ips = ["127.0.0.1", podIp, ...(id.ips ?? []).map((ip, i) => checkIp(ip, `ips[${i}]`))];
  const uniq = <T>(xs: T[]): T[] => [...new Set(xs)];
  return [...uniq(dns).map((value) => ({ type: "dns" as const, value })), ...uniq(ips).map((value) => ({ type: "ip" as const, value }))];
}
