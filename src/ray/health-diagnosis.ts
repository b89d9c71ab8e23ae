/**
 * Turns a failed health check into one line in gRPC's words plus what raytls can see beyond it
 * (issue 3, section 2). The facts come from tls-probe.ts and from the client's own certificate.
 */
import { readCertificatePem } from "../pki/certificate-reader.js";
import { OID } from "../pki/oids.js";
import { issuedBy } from "../pki/verify.js";
import type { ProbeReport } from "./tls-probe.js";
import type { ClientTls } from "./client-tls.js";

export type FailureKind =
  | "dns"
  | "component"
  | "refused"
  | "timeout"
  | "unreachable"
  | "plaintext-server"
  | "tls-server"
  | "untrusted-server"
  | "peer-name"
  | "server-cert-expired"
  | "client-cert-rejected"
  | "tls-error"
  | "rpc-error"
  | "not-serving"
  | "gcs-status"
  | "version-mismatch";

export interface Failure {
  kind: FailureKind;
  /** One line; gRPC's own wording where gRPC has one. */
  message: string;
  /** What else raytls found out, one fact per line. */
  facts: string[];
  hint?: string;
}

/** Facts about the client's own certificate that predict a server-side refusal. */
export function ownCertProblems(tls: ClientTls, now = Date.now()): string[] {
  const out: string[] = [];
  try {
    // raytls's strict reader, not Node's X509Certificate (issue 12: one certificate model).
    const cert = readCertificatePem(String(tls.cert), "our certificate");
    const ca = readCertificatePem(String(tls.ca), "our CA");
    if (now > cert.notAfter.getTime()) out.push(`our certificate expired on ${cert.notAfter.toISOString()}`);
    if (now < cert.notBefore.getTime()) out.push(`our certificate is not valid before ${cert.notBefore.toISOString()}`);
    const eku = cert.extKeyUsage;
    if (eku && !eku.includes(OID.clientAuth) && !eku.includes(OID.anyExtendedKeyUsage)) {
      out.push("our certificate's Extended Key Usage lacks clientAuth, so Ray servers refuse it as a client certificate");
    }
    if (!issuedBy(cert, ca).ok) {
      out.push("our certificate is not signed by the CA in RAY_TLS_CA_CERT; a server trusting that CA refuses it");
    }
  } catch (err) {
    out.push(`our certificate or CA could not be parsed: ${(err as Error).message}`);
  }
  return out;
}

/** Strips grpc-js' wrapping ("No connection established. Last error: Error: ...") down to the cause. */
export function grpcCause(details: string): string {
  const m = /Last error: (?:\w*Error: )?(.*?)(?:\s*\(|\. Resolution note|$)/.exec(details);
  return (m?.[1] ?? details).trim();
}

export function diagnose(
  grpcCode: string,
  details: string,
  probe: ProbeReport | undefined,
  tls: ClientTls | null,
): Failure {
  const facts: string[] = [];
  const cause = grpcCause(details);
  const where = `${probe?.host ?? "?"}:${probe?.port ?? "?"}${probe?.ip && probe.ip !== probe.host ? ` (${probe.ip})` : ""}`;
  if (!probe) return { kind: grpcCode === "DEADLINE_EXCEEDED" ? "timeout" : "rpc-error", message: `${grpcCode}: ${cause}`, facts };
  if (probe.tcp === "dns-failed") {
    return { kind: "dns", message: `DNS resolution failed for ${probe.host}`, facts: [`lookup error: ${probe.tcpError}`], hint: "check the name; in a lab, use the names raytls lab status prints" };
  }
  if (probe.tcp === "refused") {
    return { kind: "refused", message: `Connection refused: nothing listens on ${where}`, facts, hint: "is the head running, and on this port?" };
  }
  if (probe.tcp === "timeout" || probe.tcp === "unreachable") {
    return { kind: probe.tcp, message: `Could not connect to ${where}: ${probe.tcpError}`, facts, hint: "check the address and any network policy in between" };
  }
  if (probe.serverCertError) facts.push(`the server's certificate is malformed: ${probe.serverCertError}`);
  if (probe.serverCert) {
    facts.push(`server certificate SANs: ${probe.serverCert.sans.length ? probe.serverCert.sans.join(", ") : "(none)"}`);
    facts.push(`server certificate: valid until ${probe.serverCert.notAfter}, issued by ${probe.serverCert.issuer}`);
  }
  if (probe.chainTrusted !== undefined) {
    facts.push(probe.chainTrusted ? "server certificate chains to our CA (RAY_TLS_CA_CERT)" : `server certificate does NOT chain to our CA: ${probe.chainError}`);
  }
  if (probe.demandsClientCert !== undefined) {
    facts.push(probe.demandsClientCert ? "the server demands a client certificate (as every Ray server does)" : "the server accepts clients without a certificate (not how Ray servers behave)");
  }
  if (!tls && probe.speaksTls) {
    return { kind: "tls-server", message: `${grpcCode}: ${cause}`, facts: ["the server speaks TLS, but TLS is off here (RAY_USE_TLS unset or 0)", ...facts], hint: "set RAY_USE_TLS=1 and RAY_TLS_SERVER_CERT, RAY_TLS_SERVER_KEY, RAY_TLS_CA_CERT (or pass --ca-cert --cert --key)" };
  }
  if (tls && probe.speaksTls === false) {
    return { kind: "plaintext-server", message: `${grpcCode}: ${cause}`, facts: [`the server does not speak TLS (${probe.tlsError}); it is plaintext, RAY_USE_TLS is off there`, ...facts], hint: "enable RAY_USE_TLS=1 on the server, or unset it here" };
  }
  if (probe.tlsError) {
    return { kind: "tls-error", message: `${grpcCode}: ${cause}`, facts: [`TLS handshake: ${probe.tlsError}`, ...facts] };
  }
  if (probe.serverCert?.expired) {
    return { kind: "server-cert-expired", message: `${grpcCode}: ${cause}`, facts: [`the server certificate expired on ${probe.serverCert.notAfter}`, ...facts], hint: "re-issue the head's certificate (raytls pod-cert) and restart it; Ray does not reload certificates" };
  }
  if (probe.chainTrusted === false) {
    return { kind: "untrusted-server", message: `${grpcCode}: ${cause}`, facts, hint: "the server's certificate comes from another CA: give both sides the same ca.crt" };
  }
  if (probe.peerName && !probe.peerName.ok) {
    return { kind: "peer-name", message: probe.peerName.message ?? cause, facts, ...(probe.peerName.hint ? { hint: probe.peerName.hint } : {}) };
  }
  if (tls) {
    const own = ownCertProblems(tls);
    // TLS 1.3: a refused client certificate reaches the client only as a closed socket.
    return {
      kind: "client-cert-rejected",
      message: `${grpcCode}: ${cause}`,
      facts: [...facts, ...own, "the handshake succeeds, then the server closes: with TLS 1.3 this is how a refused client certificate looks (the reason is in the server's log)"],
      hint: own.length ? "fix our certificate (see above) and retry" : "check that the server trusts the CA that signed our certificate",
    };
  }
  return { kind: "rpc-error", message: `${grpcCode}: ${cause}`, facts };
}
