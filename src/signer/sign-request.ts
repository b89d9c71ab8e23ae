/**
 * One `POST /v1/sign`, decided: token -> role, CSR -> key and names, policy -> certificate.
 * No sockets here: the server hands in the header, the body text and the TCP peer address, and
 * sends back the status and JSON this returns. Refusals: 401 bad token, 403 policy, 400 bad CSR.
 */
import { z } from "zod";
import { RaytlsError, describeCause } from "../errors.js";
import type { LoadedCa } from "../pki/ca.js";
import { issueLeaf } from "../pki/issue.js";
import { assertStrongKey } from "../pki/keys.js";
import type { Role } from "../pki/pod-identity.js";
import { formatSan } from "../pki/san.js";
import type { AuditRecord } from "./audit.js";
import { parseCsr, type ParsedCsr } from "../pki/csr.js";
import { decideSans, normalizePeerIp, roleForAuthorization, type NamePolicy, type SignerTokens } from "./policy.js";
import type { TokenBuckets } from "./rate-limit.js";

/** The request body, checked before anything else is read from it. */
const SignRequestBody = z
  .object({
    role: z.string().max(16),
    csr: z.string().min(1).max(64 * 1024),
  })
  .strict();

export interface SignConfig {
  ca: LoadedCa;
  tokens: SignerTokens;
  names: NamePolicy;
  /** Validity of issued certificates. Default is 365. */
  days?: number;
  /** Default is the current time, per request. */
  now?: () => Date;
  /** Issuance rate limit per role token (rate-limit.ts); none when absent. */
  buckets?: TokenBuckets<Role>;
}

/** What the signer answers on success. */
export interface SignResponse {
  certPem: string;
  serial: string;
  notAfter: string;
  sans: string[];
  /** Present when the configured --days would outlast the CA: the certificate ends with the CA. */
  note?: string;
}

export interface SignOutcome {
  status: number;
  body: SignResponse | { error: string; reason: string };
  /** Extra response headers (WWW-Authenticate on 401, Retry-After on 429). */
  headers?: Record<string, string>;
  audit: AuditRecord;
}

export async function handleSignRequest(cfg: SignConfig, req: { authorization: string | undefined; body: string; peerIp: string }): Promise<SignOutcome> {
  const now = cfg.now?.() ?? new Date();
  const peerIp = normalizePeerIp(req.peerIp);
  const base = { time: now.toISOString(), peerIp };
  const refuse = (status: number, error: string, reason: string, extra: Partial<AuditRecord> = {}, headers?: Record<string, string>): SignOutcome => ({
    status,
    body: { error, reason },
    ...(headers ? { headers } : {}),
    audit: { ...base, ...extra, decision: "refused", status, reason },
  });
  const role = roleForAuthorization(cfg.tokens, req.authorization);
  if (!role) return refuse(401, "bad-token", req.authorization ? "the bearer token is not a signer token" : "no Authorization: Bearer <token> header", {}, { "www-authenticate": "Bearer" });
  // Checked before the CSR is read (an empty bucket costs nothing more) and taken when signing.
  const limited = (wait: number) =>
    refuse(429, "rate-limited", `the ${role} token has had its share of certificates for now; retry in ${wait} s`, { role }, { "retry-after": String(wait) });
  const wait = cfg.buckets?.retryAfter(role) ?? 0;
  if (wait) return limited(wait);
  let parsed: unknown;
  try {
    parsed = JSON.parse(req.body);
  } catch (err) {
    return refuse(400, "bad-json", `the body is not JSON: ${describeCause(err)}`, { role });
  }
  const checked = SignRequestBody.safeParse(parsed);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    const at = issue.path.length ? `${issue.path.join(".")}: ` : "";
    return refuse(400, "bad-request", `${at}${issue.message}; the body must be {"role": "head"|"worker", "csr": "<PEM>"}`, { role });
  }
  const body = checked.data;
  const requestedRole = body.role;
  if (requestedRole !== "head" && requestedRole !== "worker") {
    return refuse(400, "bad-request", `unknown role "${requestedRole}"`, { role, requestedRole });
  }
  if (requestedRole !== role) {
    return refuse(403, "wrong-role", `this token grants the ${role} role, not ${requestedRole}`, { role, requestedRole });
  }
  let csr: ParsedCsr;
  try {
    csr = parseCsr(body.csr, "csr");
    assertStrongKey(csr.publicKey, "csr: public key");
  } catch (err) {
    const reason = err instanceof RaytlsError ? err.message : `the request cannot be read: ${describeCause(err)}`;
    return refuse(400, err instanceof RaytlsError ? err.code : "bad-csr", reason, { role, requestedRole });
  }
  const asked = [...csr.sans, ...csr.otherSans].map(formatSan);
  // URI and email SANs go to the policy too, which grants neither: refused, never silently dropped.
  const decision = decideSans({ role: role as Role, peerIp, requested: [...csr.sans, ...csr.otherSans], policy: cfg.names });
  if (!decision.ok) return refuse(403, "policy", decision.reason, { role, requestedRole, sans: asked });
  const taken = cfg.buckets?.take(role) ?? 0;
  if (taken) return limited(taken);
  const cn = role === "head" ? cfg.names.headFqdn : peerIp;
  const cert = issueLeaf({
    ca: cfg.ca,
    // The parsed key, re-encoded: never the CSR's SPKI bytes (issue 13).
    publicKey: csr.publicKey,
    sans: decision.sans,
    days: cfg.days ?? 365,
    now,
    subject: [["CN", cn], ["OU", role], ["O", "raytls"]],
  });
  const sans = cert.sans.map(formatSan);
  const notAfter = cert.notAfter.toISOString();
  return {
    status: 200,
    body: { certPem: cert.certPem, serial: cert.serialHex, notAfter, sans, ...(cert.clampedToCa ? { note: `validity clamped to the CA's notAfter ${notAfter}` } : {}) },
    audit: { ...base, role, requestedRole, decision: "issued", status: 200, sans, serial: cert.serialHex, notAfter },
  };
}
