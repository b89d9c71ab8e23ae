/**
 * The peer-name check of gRPC C-core (tsi_ssl_peer_matches_name), which is what Ray does: Ray has
 * no target-name override, so the host part of the dialed address is the name checked
 * (ray-tls-facts.md sections 1 and 3). Node's tls.checkServerIdentity differs (an IP target
 * matches IP SANs only), so raytls never uses it to predict what Ray decides.
 */
import { readCertificateDer, readCertificatePem } from "./certificate-reader.js";
import { formatSans, isMatchable, sanStrings, type San } from "./san.js";

/**
 * C-core's looks_like_ip_address: any ':' makes it an IP (IPv6); otherwise exactly four
 * dot-separated groups of 1 to 4 digits.
 */
export function looksLikeIp(name: string): boolean {
  let dots = 0;
  let digits = 0;
  for (const ch of name) {
    if (ch === ":") return true;
    if (ch >= "0" && ch <= "9") {
      if (digits > 3) return false;
      digits++;
    } else if (ch === ".") {
      if (dots > 3 || digits === 0) return false;
      dots++;
      digits = 0;
    } else {
      return false;
    }
  }
  return dots >= 3 && digits > 0;
}

/** C-core's does_entry_match_name: trailing dots dropped, case-insensitive, one-label wildcards. */
export function entryMatchesName(entryIn: string, nameIn: string): boolean {
  let entry = entryIn;
  let name = nameIn;
  if (entry.length === 0 || name.length === 0) return false;
  if (name.endsWith(".")) name = name.slice(0, -1);
  if (entry.endsWith(".")) {
    entry = entry.slice(0, -1);
    if (entry.length === 0) return false;
  }
  if (name.toLowerCase() === entry.toLowerCase()) return true;
  if (!entry.startsWith("*")) return false;
  // "*." and at least one more character.
  if (entry.length < 3 || entry[1] !== ".") return false;
  const pos = name.indexOf(".");
  if (pos < 0 || pos >= name.length - 2) return false;
  let sub = name.slice(pos + 1);
  const rest = entry.slice(2);
  // The part after the wildcard must itself hold a dot that is not its last character: "*.com"
  // never matches anything.
  const dot = sub.indexOf(".");
  if (dot < 0 || dot === sub.length - 1) return false;
  if (sub.endsWith(".")) sub = sub.slice(0, -1);
  return rest.length > 0 && sub.toLowerCase() === rest.toLowerCase();
}

export interface PeerIdentity {
  /** undefined: the certificate has no subjectAltName extension at all. */
  sans: San[] | undefined;
  commonName?: string | undefined;
}

/**
 * The host C-core actually compares: the target name goes through SplitHostPort first (so
 * "name:6379" and "[fd00::1]:6379" lose the port, a bare IPv6 address with several ':' stays
 * whole), and an IPv6 zone id ("%eth0") is dropped. Checked against C-core 1.51 in
 * test/pki/peer-name-grpc-core.test.ts.
 */
export function peerHost(target: string): string {
  let host = target;
  if (host.startsWith("[")) {
    const close = host.indexOf("]");
    if (close > 0) host = host.slice(1, close);
  } else if (host.split(":").length === 2) {
    host = host.slice(0, host.indexOf(":"));
  }
  const zone = host.indexOf("%");
  return zone >= 0 ? host.slice(0, zone) : host;
}

/** Whether gRPC C-core accepts `host` for a server presenting a certificate with this identity. */
export function matchPeerName(host: string, peer: PeerIdentity): boolean {
  const name = peerHost(host);
  const likeIp = looksLikeIp(name);
  for (const s of peer.sans ?? []) {
    // Every SAN entry is a candidate string: DNS, IP (as text), URI and email alike; otherName,
    // directoryName and registeredID never are.
    if (!isMatchable(s)) continue;
    if (likeIp ? s.value === name : entryMatchesName(s.value, name)) return true;
  }
  // The CN counts only when the certificate has no subjectAltName extension at all (even one
  // holding only otherName or registeredID entries turns it off), and never for an IP-like name.
  if (peer.sans === undefined && peer.commonName !== undefined && !likeIp) return entryMatchesName(peer.commonName, name);
  return false;
}

export interface PeerNameVerdict {
  ok: boolean;
  host: string;
  /** gRPC's own words on failure: "Peer name <host> is not in peer certificate". */
  message?: string;
  /** The SANs the certificate does have, openssl notation. */
  sans: string[];
  commonName?: string | undefined;
  /** What would make it match. */
  hint?: string;
}

export function checkPeerNameFacts(host: string, cert: PeerIdentity): PeerNameVerdict {
  // gRPC's message names the target as dialed; the match itself uses peerHost(host).
  const name = host;
  const sans = sanStrings(cert.sans);
  if (matchPeerName(name, cert)) return { ok: true, host: name, sans, commonName: cert.commonName };
  return {
    ok: false,
    host: name,
    message: `Peer name ${name} is not in peer certificate`,
    sans,
    commonName: cert.commonName,
    hint: peerNameHint(peerHost(name), cert),
  };
}

/** Parses the PEM and judges `host` against its first certificate. */
export function checkPeerName(host: string, certPem: string, where = "certificate"): PeerNameVerdict {
  return checkPeerNameFacts(host, readCertificatePem(certPem, where));
}

/**
 * The per-handshake check: judges `host` against a peer certificate's raw DER, read once by the
 * strict reader (a certificate it refuses is refused, with the field that is wrong).
 */
export function checkPeerNameDer(host: string, der: Uint8Array, where = "peer certificate"): PeerNameVerdict {
  return checkPeerNameFacts(host, readCertificateDer(der, where));
}

function peerNameHint(name: string, cert: PeerIdentity): string {
  if (looksLikeIp(name)) {
    return `gRPC compares an IP target with the SAN text exactly: re-issue with --ip ${name} (a pod's own IP comes from --pod-ip / $POD_IP)`;
  }
  const fqdn = (cert.sans ?? []).find((s) => s.type === "dns" && s.value.toLowerCase().startsWith(`${name.toLowerCase()}.`));
  if (fqdn) {
    return `"${name}" is the short form of ${fqdn.value}: dial ${fqdn.value} instead, or re-issue with --dns ${name} (the seed's DNS.3 = $RAY_IP)`;
  }
  if (!cert.sans || cert.sans.length === 0) {
    return `the certificate has no subjectAltName${cert.commonName ? ` (its CN ${cert.commonName} is all gRPC can match)` : ""}: re-issue it with raytls pod-cert`;
  }
  return `dial a name the certificate has (${formatSans(cert.sans)}), or re-issue with --dns ${name}`;
}
