/**
 * `raytls verify`: would Ray accept this pod certificate? Chain to the CA, validity window, key
 * usage and EKU for the purpose (Ray uses one certificate as server AND client, facts section 1),
 * key match, and every host judged exactly like gRPC C-core (section 3).
 */
import { RaytlsError } from "../errors.js";
import { EKU, readCertificatesPem, type CertificateFacts } from "./certificate-reader.js";
import { describeKey, parsePrivateKey, sameBytes, spkiOf } from "./keys.js";
import { checkPeerNameFacts, type PeerNameVerdict } from "./peer-name.js";

export type Purpose = "server" | "client" | "both";

export function parsePurpose(s: string): Purpose {
  if (s === "server" || s === "client" || s === "both") return s;
  throw new RaytlsError("bad-purpose", `--purpose: unknown purpose "${s}"`, { hint: "use server, client or both (Ray needs both)" });
}

export interface VerifyInput {
  caPem: string;
  certPem: string;
  keyPem?: string;
  hosts?: string[];
  /** Default is both: every Ray process presents its certificate as server and as client. */
  purpose?: Purpose;
  /** Default is now. */
  at?: Date;
  /** File names for messages. */
  files?: { ca?: string; cert?: string; key?: string };
}

export interface Check {
  check: "chain" | "validity" | "purpose" | "key" | "host" | "ca";
  ok: boolean;
  message: string;
  hint?: string;
  host?: PeerNameVerdict;
}

export interface VerifyReport {
  ok: boolean;
  checks: Check[];
  warnings: string[];
  subject: string;
  sans: string[];
  notAfter: string;
}

const LONG_VALIDITY_DAYS = 398;

export function verifyCertificate(input: VerifyInput): VerifyReport {
  const files = { ca: input.files?.ca ?? "--ca", cert: input.files?.cert ?? "--cert", key: input.files?.key ?? "--key" };
  const at = input.at ?? new Date();
  const purpose = input.purpose ?? "both";
  const roots = readCertificatesPem(input.caPem, files.ca);
  const [leaf, ...intermediates] = readCertificatesPem(input.certPem, files.cert) as [CertificateFacts, ...CertificateFacts[]];
  const checks: Check[] = [];
  const warnings: string[] = [];

  for (const root of roots) {
    if (!root.ca?.isCa) {
      checks.push({ check: "ca", ok: false, message: `${files.ca}: ${root.node.subject.replace(/\n/g, ", ")} is not a CA certificate (no basicConstraints CA:TRUE)`, hint: "pass the CA certificate (ca.crt) with --ca-cert, not a pod certificate" });
    }
  }

  // Chain: walk issuer links through the bundle's intermediates up to a certificate in --ca.
  const chain: CertificateFacts[] = [leaf];
  let current = leaf;
  let trusted: CertificateFacts | undefined;
  for (let depth = 0; depth < 6 && !trusted; depth++) {
    const signedBy = (c: CertificateFacts): boolean => sameBytes(c.subjectDer, current.issuerDer) && current.node.verify(c.node.publicKey);
    trusted = roots.find(signedBy);
    if (trusted) break;
    const next = intermediates.find((c) => c !== current && c.ca?.isCa && signedBy(c));
    if (!next) break;
    chain.push(next);
    current = next;
  }
  if (trusted) {
    checks.push({ check: "chain", ok: true, message: `signed by ${oneLine(trusted.node.subject)}${chain.length > 1 ? ` through ${chain.length - 1} intermediate(s)` : ""}` });
  } else {
    const sameName = roots.find((r) => sameBytes(r.subjectDer, current.issuerDer));
    checks.push({
      check: "chain",
      ok: false,
      message: sameName
        ? `certificate verify failed: issuer ${oneLine(current.node.issuer)} has the CA's name but not its key (signature does not verify)`
        : `certificate verify failed: issued by ${oneLine(current.node.issuer)}, not by the CA in ${files.ca} (${roots.map((r) => oneLine(r.node.subject)).join("; ")})`,
      hint: "issue the certificate from this CA (raytls pod-cert --ca-dir DIR), or pass the CA that signed it; Ray's peers refuse it otherwise",
    });
  }

  for (const c of [leaf, ...chain.slice(1), ...(trusted ? [trusted] : [])]) {
    const who = c === leaf ? "certificate" : `CA ${oneLine(c.node.subject)}`;
    if (at < c.notBefore) checks.push({ check: "validity", ok: false, message: `${who} is not valid before ${c.notBefore.toISOString()}`, hint: "check the clocks of the machine that issued it and of this one" });
    else if (at > c.notAfter) checks.push({ check: "validity", ok: false, message: `${who} expired on ${c.notAfter.toISOString()}`, hint: "re-issue it; Ray reads certificates only at start, so restart the Ray pods afterwards" });
  }
  if (!checks.some((c) => c.check === "validity")) checks.push({ check: "validity", ok: true, message: `valid until ${leaf.notAfter.toISOString()}` });

  checks.push(...purposeChecks(leaf, purpose));

  if (input.keyPem !== undefined) {
    const key = parsePrivateKey(input.keyPem, files.key);
    checks.push(
      sameBytes(spkiOf(key), leaf.spki)
        ? { check: "key", ok: true, message: `${files.key} matches the certificate (${describeKey(key).label})` }
        : { check: "key", ok: false, message: `${files.key} does not match the certificate's public key`, hint: "pass the tls.key made together with this tls.crt; a mismatched pair fails every handshake" },
    );
  }

  for (const host of input.hosts ?? []) {
    const v = checkPeerNameFacts(host, leaf);
    checks.push(v.ok ? { check: "host", ok: true, message: `${v.host} matches (as gRPC C-core judges it)`, host: v } : { check: "host", ok: false, message: `${v.message}; it has ${v.sans.join(", ") || "no SAN"}`, hint: v.hint!, host: v });
  }

  if (!leaf.sans || leaf.sans.length === 0) warnings.push(`no subjectAltName: gRPC matches the CN (${leaf.commonName ?? "none"}) only for DNS names, never for IP addresses`);
  if (leaf.ca?.isCa) warnings.push("this is a CA certificate; a pod should present its own leaf certificate");
  // Less the 5-minute backdate, so --days 398 is judged as 398 days.
  const days = (leaf.notAfter.getTime() - leaf.notBefore.getTime() - 5 * 60_000) / 86_400_000;
  if (days > LONG_VALIDITY_DAYS) warnings.push(`valid for ${Math.round(days)} days; pod certificates are best kept short (raytls default 365) since Ray never reloads them`);
  const left = (leaf.notAfter.getTime() - at.getTime()) / 86_400_000;
  if (left > 0 && left < 30) warnings.push(`expires in ${Math.ceil(left)} days (${leaf.notAfter.toISOString()})`);
  if (/1\.2\.840\.113549\.1\.1\.5|1\.2\.840\.10045\.4\.1$/.test(leaf.signatureAlgorithmOid)) warnings.push("signed with SHA-1, which TLS libraries are dropping");

  return {
    ok: checks.every((c) => c.ok),
    checks,
    warnings,
    subject: oneLine(leaf.node.subject),
    sans: (leaf.sans ?? []).map((s) => `${s.type === "dns" ? "DNS" : s.type === "ip" ? "IP" : s.type}:${s.value}`),
    notAfter: leaf.notAfter.toISOString(),
  };
}

function purposeChecks(leaf: CertificateFacts, purpose: Purpose): Check[] {
  const out: Check[] = [];
  const wanted: Array<["server" | "client", string]> = [];
  if (purpose !== "client") wanted.push(["server", EKU.serverAuth]);
  if (purpose !== "server") wanted.push(["client", EKU.clientAuth]);
  const eku = leaf.extKeyUsage;
  for (const [role, oidWanted] of wanted) {
    if (eku && !eku.includes(oidWanted) && !eku.includes(EKU.any)) {
      out.push({
        check: "purpose",
        ok: false,
        message: `extended key usage lacks ${role}Auth, so gRPC refuses it as a ${role} certificate`,
        hint: "Ray presents the same certificate as server and client: issue it with EKU serverAuth,clientAuth (raytls pod-cert does)",
      });
    }
  }
  const ku = leaf.keyUsage;
  if (ku && !ku.includes("digitalSignature") && !ku.includes("keyEncipherment")) {
    out.push({ check: "purpose", ok: false, message: `key usage (${ku.join(", ")}) allows neither digitalSignature nor keyEncipherment: no TLS handshake can use it`, hint: "re-issue with keyUsage digitalSignature" });
  }
  if (out.length === 0) {
    const label = purpose === "both" ? "server and client" : purpose;
    out.push({ check: "purpose", ok: true, message: `usable as ${label} certificate (EKU ${eku ? eku.map(ekuName).join(", ") : "absent: any"})` });
  }
  return out;
}

function ekuName(o: string): string {
  return o === EKU.serverAuth ? "serverAuth" : o === EKU.clientAuth ? "clientAuth" : o === EKU.any ? "any" : o;
}

function oneLine(dn: string): string {
  return dn.split("\n").filter(Boolean).join(", ");
}

