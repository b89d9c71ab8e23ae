/**
 * A raw look at a TLS endpoint, for diagnosis only: what gRPC reports after a failed call is
 * often one line ("Socket closed"), while the reason is visible one layer down. The probe
 * connects like Ray would (no SNI for IP hosts, the client's own certificate) but does not reject
 * anything, and records: TCP outcome (refused, timeout, DNS failure), whether the peer speaks TLS
 * at all, the certificate it presented (SANs, validity), whether it chains to our CA, the C-core
 * peer-name verdict, and whether the server demands a client certificate.
 *
 * The last one needs its own connection without a certificate: with TLS 1.3 the server's refusal
 * arrives after the client considers the handshake done (facts section 3), as the alert
 * `certificate required`, or as a plain close.
 *
 * The server is untrusted: its certificate is read from raw DER by raytls's strict reader, and
 * Node never builds its legacy certificate object (guardPeerCertificate, peer-identity.ts), which
 * would crash the process on an EKU OID of 600+ bytes (issue 13).
 */
import { RaytlsError } from "../errors.js";
import { connect as netConnect, type Socket } from "node:net";
import { ipVersion } from "../pki/names.js";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { lookup } from "node:dns/promises";
import { readCertificateDer } from "../pki/certificate-reader.js";
import { checkPeerNameFacts } from "../pki/peer-name.js";
import type { ClientTls } from "./client-tls.js";
import { guardPeerCertificate, peerCertificateDer } from "./peer-identity.js";

export interface ServerCertFacts {
  subject: string;
  issuer: string;
  sans: string[];
  notBefore: string;
  notAfter: string;
  expired: boolean;
}

export interface ProbeReport {
  host: string;
  /** The IP actually connected to. */
  ip?: string;
  port: number;
  tcp: "ok" | "refused" | "timeout" | "dns-failed" | "unreachable" | "error";
  tcpError?: string;
  /** false: the port answers, but not with TLS (a plaintext server). */
  speaksTls?: boolean;
  tlsError?: string;
  tlsVersion?: string;
  /** The server's certificate is not valid DER/X.509: what raytls's reader refused. */
  serverCertError?: string;
  serverCert?: ServerCertFacts;
  /** Does the server certificate chain to the CA we were given? */
  chainTrusted?: boolean;
  chainError?: string;
  peerName?: { ok: boolean; message?: string; hint?: string };
  /** Did the server refuse a handshake without a client certificate? */
  demandsClientCert?: boolean;
}

export interface ProbeOptions {
  host: string;
  port: number;
  /** Where to connect instead of resolving `host` (hosts override). */
  ip?: string;
  tls: ClientTls | null;
  timeoutMs?: number;
}

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

export async function probeTls(o: ProbeOptions): Promise<ProbeReport> {
  const timeoutMs = o.timeoutMs ?? 3000;
  const report: ProbeReport = { host: o.host, port: o.port, tcp: "ok" };
  let ip = o.ip ?? (ipVersion(o.host) ? o.host : undefined);
  if (!ip) {
    try {
      ip = (await lookup(o.host)).address;
    } catch (err) {
      report.tcp = "dns-failed";
      report.tcpError = (err as NodeJS.ErrnoException).code ?? String(err);
      return report;
    }
  }
  report.ip = ip;
  let socket: Socket;
  try {
    socket = await tcpConnect(ip, o.port, timeoutMs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    report.tcp = code === "ECONNREFUSED" ? "refused" : code === "ETIMEDOUT" ? "timeout" : code === "EHOSTUNREACH" || code === "ENETUNREACH" ? "unreachable" : "error";
    report.tcpError = code ?? String(err);
    return report;
  }
  const first = await handshake(socket, o, timeoutMs, true);
  if (first.error) {
    report.tlsError = first.error;
    report.speaksTls = !/wrong version number|packet length too long|http request|unknown protocol|record layer failure/i.test(first.error);
    return report;
  }
  const tlsSocket = first.socket!;
  report.speaksTls = true;
  report.tlsVersion = tlsSocket.getProtocol() ?? undefined;
  const raw = first.peerDer;
  if (raw) {
    try {
      const cert = readCertificateDer(raw, "server certificate");
      const verdict = checkPeerNameFacts(o.host, cert);
      report.serverCert = {
        subject: cert.subject.text,
        issuer: cert.issuer.text,
        sans: verdict.sans,
        notBefore: cert.notBefore.toISOString(),
        notAfter: cert.notAfter.toISOString(),
        expired: Date.now() > cert.notAfter.getTime(),
      };
      report.peerName = { ok: verdict.ok, ...(verdict.message ? { message: verdict.message } : {}), ...(verdict.hint ? { hint: verdict.hint } : {}) };
    } catch (err) {
      report.serverCertError = err instanceof Error ? err.message : String(err);
    }
  }
  if (o.tls) {
    report.chainTrusted = tlsSocket.authorized;
    if (!tlsSocket.authorized) report.chainError = String(tlsSocket.authorizationError);
  }
  tlsSocket.destroy();
  report.demandsClientCert = await demandsClientCert(ip, o, timeoutMs);
  return report;
}

function tcpConnect(ip: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: ip, port });
    const timer = setTimeout(() => {
      s.destroy();
      // The errno's code, so the caller reads this timer's verdict and the kernel's ETIMEDOUT alike.
      reject(new RaytlsError("ETIMEDOUT", `TCP connect to ${ip}:${port}: no answer within ${timeoutMs} ms`, { kind: "check", hint: "a firewall or NetworkPolicy may drop the packets, or the address is wrong" }));
    }, timeoutMs);
    s.once("connect", () => {
      clearTimeout(timer);
      resolve(s);
    });
    s.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

function handshake(
  socket: Socket,
  o: ProbeOptions,
  timeoutMs: number,
  withCert: boolean,
): Promise<{ socket?: TLSSocket; peerDer?: Uint8Array; error?: string }> {
  return new Promise((resolve) => {
    const s = guardPeerCertificate(tlsConnect({
      socket,
      ALPNProtocols: ["h2"],
      rejectUnauthorized: false,
      // Chain only: the name is judged separately, the C-core way (not Node's rules).
      checkServerIdentity: () => undefined,
      ...(o.tls ? { ca: o.tls.ca } : {}),
      ...(withCert && o.tls ? { cert: o.tls.cert, key: o.tls.key } : {}),
      ...(ipVersion(o.host) ? {} : { servername: o.host }),
    }));
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ error: "TLS handshake timed out" });
    }, timeoutMs);
    s.once("secureConnect", () => {
      clearTimeout(timer);
      // Now: a server that closes right after the handshake takes the handle (and the certificate) with it.
      const peerDer = peerCertificateDer(s);
      resolve({ socket: s, ...(peerDer ? { peerDer } : {}) });
    });
    s.once("error", (e) => {
      clearTimeout(timer);
      s.destroy();
      resolve({ error: e.message });
    });
    s.once("close", () => {
      clearTimeout(timer);
      resolve({ error: "connection closed during the TLS handshake" });
    });
  });
}

/** A handshake without a client certificate, then the HTTP/2 preface: refused or answered? */
async function demandsClientCert(ip: string, o: ProbeOptions, timeoutMs: number): Promise<boolean | undefined> {
  let socket: Socket;
  try {
    socket = await tcpConnect(ip, o.port, timeoutMs);
  } catch {
    return undefined;
  }
  const hs = await handshake(socket, o, timeoutMs, false);
  if (hs.error) return /certificate|handshake failure|alert/i.test(hs.error) ? true : undefined;
  const s = hs.socket!;
  return new Promise((resolve) => {
    const done = (v: boolean | undefined) => {
      clearTimeout(timer);
      s.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(undefined), Math.min(timeoutMs, 1500));
    s.once("data", () => done(false)); // the server's HTTP/2 SETTINGS: it accepted us without a certificate
    s.once("error", () => done(true));
    s.once("close", () => done(true));
    s.write(PREFACE);
  });
}
