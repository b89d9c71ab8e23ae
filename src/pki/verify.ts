/**
 * `raytls verify`: would Ray accept this pod certificate? Chain to the CA, validity window, key
 * usage and EKU for the purpose (Ray uses one certificate as server AND client, facts section 1),
 * key match, and every host judged exactly like gRPC C-core (section 3).
 */
import { RaytlsError } from "../errors.js";
import type { Certificate } from "./certificate.js";
import { readCertificatesPem } from "./certificate-reader.js";
import { describeKey, parsePrivateKey, sameBytes, spkiOf } from "./keys.js";
import { OID, OPENSSL_SUPPORTED_EXTENSIONS, ekuName } from "./oids.js";
import { checkPeerNameFacts, type PeerNameVerdict } from "./peer-name.js";
import { sanStrings } from "./san.js";
import { signedBy, type SignatureVerdict } from "./signature.js";

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
  check: "chain" | "validity" | "purpose" | "key" | "host" | "ca" | "profile";
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
  // A certificate the strict reader refuses (a duplicated extension, a malformed otherName, a
  // garbage date) throws a RaytlsError naming the field: openssl and gRPC refuse those too.
  const roots = readCertificatesPem(input.caPem, files.ca);
  const [leaf, ...intermediates] = readCertificatesPem(input.certPem, files.cert) as [Certificate, ...Certificate[]];
  const checks: Check[] = [];
  const warnings: string[] = [];

  for (const root of roots) {
    if (!root.basicConstraints?.ca) {
      checks.push({ check: "ca", ok: false, message: `${files.ca}: ${root.subject.text} is not a CA certificate (no basicConstraints CA:TRUE)`, hint: "pass the CA certificate (ca.crt) with --ca-cert, not a pod certificate" });
    }
  }

  // Chain: walk issuer links through the bundle's intermediates up to a certificate in --ca.
  const chain: Certificate[] = [leaf];
  let current = leaf;
  let trusted: Certificate | undefined;
  let refusal: string | undefined;
  for (let depth = 0; depth < 6 && !trusted; depth++) {
    const issues = (c: Certificate): boolean => {
      const v = issuedBy(current, c);
      if (!v.ok && sameBytes(c.subject.der, current.issuer.der)) refusal ??= v.why;
      return v.ok;
    };
    trusted = roots.find(issues);
    if (trusted) break;
    const next = intermediates.find((c) => c !== current && c.basicConstraints?.ca && issues(c));
    if (!next) break;
    chain.push(next);
    current = next;
  }
  if (trusted) {
    checks.push({ check: "chain", ok: true, message: `signed by ${trusted.subject.text}${chain.length > 1 ? ` through ${chain.length - 1} intermediate(s)` : ""}` });
  } else {
    checks.push({
      check: "chain",
      ok: false,
      message: refusal
        ? `certificate verify failed: issuer ${current.issuer.text} has the CA's name, but ${refusal}`
        : `certificate verify failed: issued by ${current.issuer.text}, not by the CA in ${files.ca} (${roots.map((r) => r.subject.text).join("; ")})`,
      hint: "issue the certificate from this CA (raytls pod-cert --ca-dir DIR), or pass the CA that signed it; Ray's peers refuse it otherwise",
    });
  }
  for (const c of [leaf, ...chain.slice(1), ...(trusted ? [trusted] : [])]) checks.push(...profileChecks(c, c === leaf ? "certificate" : `CA ${c.subject.text}`));

  for (const c of [leaf, ...chain.slice(1), ...(trusted ? [trusted] : [])]) {
    const who = c === leaf ? "certificate" : `CA ${c.subject.text}`;
    if (at < c.notBefore) checks.push({ check: "validity", ok: false, message: `${who} is not valid before ${c.notBefore.toISOString()}`, hint: "check the clocks of the machine that issued it and of this one" });
    else if (at > c.notAfter) checks.push({ check: "validity", ok: false, message: `${who} expired on ${c.notAfter.toISOString()}`, hint: "re-issue it; Ray reads certificates only at start, so restart the Ray pods afterwards" });
  }
  if (!checks.some((c) => c.check === "validity")) checks.push({ check: "validity", ok: true, message: `valid until ${leaf.notAfter.toISOString()}` });

  checks.push(...purposeChecks(leaf, purpose));

  if (input.keyPem !== undefined) {
    const key = parsePrivateKey(input.keyPem, files.key);
    checks.push(
      sameBytes(spkiOf(key), leaf.publicKey.spki)
        ? { check: "key", ok: true, message: `${files.key} matches the certificate (${describeKey(key).label})` }
        : { check: "key", ok: false, message: `${files.key} does not match the certificate's public key`, hint: "pass the tls.key made together with this tls.crt; a mismatched pair fails every handshake" },
    );
  }

  for (const host of input.hosts ?? []) {
    const v = checkPeerNameFacts(host, leaf);
    checks.push(v.ok ? { check: "host", ok: true, message: `${v.host} matches (as gRPC C-core judges it)`, host: v } : { check: "host", ok: false, message: `${v.message}; it has ${v.sans.join(", ") || "no SAN"}`, hint: v.hint!, host: v });
  }

  if (!leaf.sans || leaf.sans.length === 0) warnings.push(`no subjectAltName: gRPC matches the CN (${leaf.commonName ?? "none"}) only for DNS names, never for IP addresses`);
  if (leaf.basicConstraints?.ca) warnings.push("this is a CA certificate; a pod should present its own leaf certificate");
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
    subject: leaf.subject.text,
    sans: sanStrings(leaf.sans),
    notAfter: leaf.notAfter.toISOString(),
  };
}

function purposeChecks(leaf: Certificate, purpose: Purpose): Check[] {
  const out: Check[] = [];
  const wanted: Array<["server" | "client", string]> = [];
  if (purpose !== "client") wanted.push(["server", OID.serverAuth]);
  if (purpose !== "server") wanted.push(["client", OID.clientAuth]);
  const eku = leaf.extKeyUsage;
  for (const [role, oidWanted] of wanted) {
    if (eku && !eku.includes(oidWanted) && !eku.includes(OID.anyExtendedKeyUsage)) {
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

/**
 * Whether `issuer` issued `cert` as OpenSSL's chain builder decides it (check_issued): the names
 * link, the authority key identifier (when both sides have one) names the issuer's key, and the
 * signature verifies.
 */
export function issuedBy(cert: Certificate, issuer: Certificate): SignatureVerdict {
  if (!sameBytes(issuer.subject.der, cert.issuer.der)) return { ok: false, why: "the names differ" };
  if (cert.authorityKeyId !== undefined && issuer.subjectKeyId !== undefined && cert.authorityKeyId !== issuer.subjectKeyId) {
    return { ok: false, why: `the authority key identifier ${cert.authorityKeyId} does not match its subject key identifier ${issuer.subjectKeyId} (openssl: subject issuer mismatch)` };
  }
  const v = signedBy(cert, issuer);
  return v.ok ? v : { ok: false, why: v.why === "the signature does not verify" ? "not its key (signature does not verify)" : v.why };
}

/** What OpenSSL (so gRPC C-core) refuses in any certificate of the chain, beyond parsing. */
function profileChecks(c: Certificate, who: string): Check[] {
  const out: Check[] = [];
  for (const e of c.extensions) {
    if (e.critical && !OPENSSL_SUPPORTED_EXTENSIONS.has(e.oid)) {
      out.push({ check: "profile", ok: false, message: `${who} has an unknown critical extension ${e.oid} (openssl: unhandled critical extension)`, hint: "TLS peers must refuse a certificate with a critical extension they do not know; re-issue it without" });
    }
  }
  if (c.publicKey.explicitParameters) {
    out.push({ check: "profile", ok: false, message: `${who} has an EC key with explicit curve parameters (openssl: error 94, explicit curve parameters not allowed)`, hint: "re-issue it with a named-curve key (P-256 or P-384)" });
  }
  return out;
}
