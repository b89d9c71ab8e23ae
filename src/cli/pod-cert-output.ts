/**
 * `pod-cert`'s output directory, the same way for a local CA and for the signer: keep a certificate
 * that still fits this pod (an init container re-running over a surviving emptyDir, issue 11),
 * re-issue one that does not only with --renew (what `raytls manifest` init containers pass) or
 * --force, and say which happened.
 */
import path from "node:path";
import { RaytlsError } from "../errors.js";
import { existsSync, readInputFileSync } from "../io/secure-files.js";
import { judgeExistingPodCert, type ReuseVerdict } from "../pki/pod-cert-reuse.js";
export { keyTypeOf } from "../pki/pod-cert-reuse.js";
import type { KeyType } from "../pki/key-types.js";
import type { Role } from "../pki/pod-identity.js";
import { formatSan, type San } from "../pki/san.js";
import type { CliContext } from "./context.js";
import { expiry } from "./options.js";

export interface PodTlsFiles {
  key: string;
  cert: string;
  ca: string;
}

export function podTlsFiles(dir: string): PodTlsFiles {
  return { key: path.join(dir, "tls.key"), cert: path.join(dir, "tls.crt"), ca: path.join(dir, "ca.crt") };
}

export type OutputDecision = { action: "keep"; verdict: Extract<ReuseVerdict, { keep: true }> } | { action: "issue"; replacing?: string };

export function decideOutput(o: { files: PodTlsFiles; caCertPem: string; role: Role; sans: San[]; keyType: KeyType; force: boolean; renew: boolean; now?: Date }): OutputDecision {
  const present = Object.values(o.files).filter((f) => existsSync(f));
  if (present.length === 0) return { action: "issue" };
  if (o.force) return { action: "issue", replacing: "--force" };
  let reason: string;
  if (present.length < 3) {
    const missing = Object.values(o.files).filter((f) => !present.includes(f));
    reason = `${missing.map((f) => path.basename(f)).join(" and ")} ${missing.length > 1 ? "are" : "is"} missing beside ${present.map((f) => path.basename(f)).join(" and ")}`;
  } else {
    let verdict: ReuseVerdict;
    try {
      const read = (f: string) => readInputFileSync(f, path.basename(f));
      verdict = judgeExistingPodCert({ existing: { certPem: read(o.files.cert), keyPem: read(o.files.key), caPem: read(o.files.ca) }, caCertPem: o.caCertPem, role: o.role, sans: o.sans, keyType: o.keyType, ...(o.now ? { now: o.now } : {}) });
    } catch (err) {
      if (!(err instanceof RaytlsError)) throw err;
      verdict = { keep: false, reason: err.message };
    }
    if (verdict.keep) return { action: "keep", verdict };
    reason = verdict.reason;
  }
  if (o.renew) return { action: "issue", replacing: reason };
  throw new RaytlsError("file-exists", `refusing to replace the files in ${path.dirname(o.files.cert)}: ${reason}`, {
    hint: "pass --renew to re-issue when the certificate there no longer fits this pod (raytls manifest's init containers do), or --force to replace it in any case (nothing was written)",
  });
}

export interface PodCertResult {
  action: "issued" | "kept";
  role: Role;
  keyType: KeyType;
  sans: string[];
  serial: string;
  notAfter: Date;
  files: PodTlsFiles;
  /** Why the files that were there were replaced. */
  replaced?: string;
  /** A kept certificate is re-issued from this time on (with --renew). */
  renewAfter?: Date;
  signer?: { url: string; attempts: number };
  /** A remark for the reader (e.g. a key type other than the CA's). */
  note?: string;
}

export function keptResult(role: Role, keyType: KeyType, files: PodTlsFiles, v: Extract<ReuseVerdict, { keep: true }>): PodCertResult {
  return { action: "kept", role, keyType, sans: v.sans.map(formatSan), serial: v.serialHex, notAfter: v.notAfter, files, renewAfter: v.renewAfter };
}

/** What pod-cert did, the same way for a local CA and for the signer. */
export function renderPodCert(ctx: CliContext, json: boolean, r: PodCertResult): void {
  if (json) {
    const { signer, notAfter, renewAfter, ...rest } = r;
    ctx.out(
      JSON.stringify({ ok: true, ...rest, notAfter: notAfter.toISOString(), ...(renewAfter ? { renewAfter: renewAfter.toISOString() } : {}), ...(signer ? { signer: signer.url, attempts: signer.attempts } : {}) }, null, 2) + "\n",
    );
    return;
  }
  if (r.action === "kept") {
    ctx.out(`Kept the ${r.role} certificate already in ${path.dirname(r.files.cert)}: it still fits this pod (same role, SANs and CA; key matches) for ${r.sans.join(", ")}\n`);
    ctx.out(`  ${r.files.cert}  serial ${r.serial}, valid until ${expiry(r.notAfter)}; renewed (with --renew) from ${r.renewAfter!.toISOString().slice(0, 10)}, when a third of its lifetime is left\n`);
  } else {
    if (r.replaced) ctx.out(`Replacing the files in ${path.dirname(r.files.cert)}: ${r.replaced}\n`);
    ctx.out(`Issued a ${r.role} certificate (${r.keyType} key)${r.signer ? ` by the signer at ${r.signer.url}` : ""} for ${r.sans.join(", ")}\n`);
    ctx.out(`  ${r.files.key}  private key (0600), made here; it never leaves this pod\n`);
    ctx.out(`  ${r.files.cert}  pod certificate, serial ${r.serial}; the certificate is valid until ${expiry(r.notAfter)}\n`);
    ctx.out(`  ${r.files.ca}  CA certificate (no CA key)\n`);
  }
  if (r.note) ctx.err(`note: ${r.note}\n`);
  ctx.out(`Ray env: RAY_USE_TLS=1 RAY_TLS_SERVER_CERT=${r.files.cert} RAY_TLS_SERVER_KEY=${r.files.key} RAY_TLS_CA_CERT=${r.files.ca}\n`);
}
