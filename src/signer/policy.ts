/**
 * The signer's policy (issue 5), pure: which role a bearer token grants, and which names a pod may
 * have in its certificate. No I/O: the server passes in the token digests, the TCP peer address
 * and the names the CSR asked for, and gets a decision back.
 *
 * The IP rule binds a certificate to the address the request came from. That is sound only on a
 * flat pod network where the signer sees the pod's own IP as the TCP source (Kubernetes' network
 * model: "pods can communicate with all other pods without NAT"); docs/signer.md says when a CNI,
 * a proxy or NAT breaks it.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Role } from "../pki/pod-identity.js";
import { formatSan, type San } from "../pki/san.js";

export interface SignerTokens {
  /** SHA-256 of the head token. */
  head: Buffer;
  /** SHA-256 of the worker token. */
  worker: Buffer;
}

export function tokenDigest(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

export function signerTokens(head: string, worker: string): SignerTokens {
  return { head: tokenDigest(head), worker: tokenDigest(worker) };
}

/**
 * The role an `Authorization: Bearer <token>` header grants, or undefined. Digests of equal length
 * are compared with timingSafeEqual, and both roles are always compared, so the time taken says
 * nothing about the token or which role it is close to.
 */
export function roleForAuthorization(tokens: SignerTokens, header: string | undefined): Role | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  const presented = tokenDigest(m?.[1] ?? "");
  const isHead = timingSafeEqual(presented, tokens.head);
  const isWorker = timingSafeEqual(presented, tokens.worker);
  if (!m) return undefined;
  return isHead ? "head" : isWorker ? "worker" : undefined;
}

export interface NamePolicy {
  /** The head Service FQDN (KubeRay's FQ_RAY_IP); allowed in head certificates only. */
  headFqdn: string;
  /** More DNS names for the head certificate (e.g. the short Service name). */
  headDns?: string[];
}

export type SanDecision = { ok: true; sans: San[] } | { ok: false; reason: string };

/** `::ffff:10.0.0.5` (an IPv4 peer on a dual-stack socket) is 10.0.0.5. */
export function normalizePeerIp(address: string): string {
  return address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, "$1");
}

/**
 * Decides the certificate's names. The CSR's names are requests: each must be allowed for the
 * role and this peer, the pod's own IP must be among them (a certificate without it is useless:
 * peers dial pods by IP), and the result is rebuilt from the policy's own values in a fixed
 * order, never copied from the CSR.
 */
export function decideSans(o: { role: Role; peerIp: string; requested: San[]; policy: NamePolicy }): SanDecision {
  const peerIp = normalizePeerIp(o.peerIp);
  const allowedDns = ["localhost", ...(o.role === "head" ? [o.policy.headFqdn, ...(o.policy.headDns ?? [])] : [])].map((d) => d.toLowerCase());
  const allowedIps = [...new Set(["127.0.0.1", peerIp])];
  const dns: string[] = [];
  const ips: string[] = [];
  const refused: string[] = [];
  for (const s of o.requested) {
    if (s.type === "dns" && allowedDns.includes(s.value.toLowerCase())) dns.push(s.value.toLowerCase());
    else if (s.type === "ip" && allowedIps.includes(s.value)) ips.push(s.value);
    else refused.push(formatSan(s));
  }
  if (refused.length) {
    const ipNote = refused.some((r) => r.startsWith("IP:")) ? `; IP SANs may only be 127.0.0.1 and this pod's own address ${peerIp}` : "";
    const dnsNote = refused.some((r) => r.startsWith("DNS:")) ? `; DNS SANs may only be ${allowedDns.join(", ")} for the ${o.role} role` : "";
    return { ok: false, reason: `${o.role} certificate may not contain ${refused.join(", ")}${ipNote}${dnsNote}` };
  }
  if (!ips.includes(peerIp)) {
    return { ok: false, reason: `the request does not ask for this pod's own IP ${peerIp} (the TCP peer address); peers dial pods by IP` };
  }
  const order = (list: string[], allowed: string[]) => allowed.filter((a) => list.includes(a));
  return {
    ok: true,
    sans: [...order(dns, [...new Set(allowedDns)]).map((value) => ({ type: "dns" as const, value })), ...order(ips, allowedIps).map((value) => ({ type: "ip" as const, value }))],
  };
}
