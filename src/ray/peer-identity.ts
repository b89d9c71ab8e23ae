/**
 * The client-side peer-name decision for a TLS connection, as gRPC C-core makes it (facts
 * section 3, src/pki/peer-name.ts): used as Node's `checkServerIdentity` by both raytls clients.
 *
 * Untrusted certificates never reach Node's certificate parsers (issue 13): Node 20.20's
 * `getPeerCertificate()` (X509ToObject -> GetKeyUsage) segfaults on an extKeyUsage OID of 600+
 * bytes, and Node's tls client calls `this.getPeerCertificate(true)` itself, in onConnectSecure,
 * before `checkServerIdentity`, whenever OpenSSL's verification passed, or when
 * `rejectUnauthorized` is false (checked on Node 20.20.2, test/ray/tls-hostile-cert.test.ts).
 * `guardPeerCertificate` replaces that method on the socket: the only Node call left is
 * `getPeerX509Certificate().raw`, which wraps OpenSSL's X509 and re-encodes it (i2d_X509) without
 * decoding any field; raytls's strict DER reader does the rest.
 */
import type { PeerCertificate, TLSSocket } from "node:tls";
import { RaytlsError } from "../errors.js";
import { checkPeerNameDer } from "../pki/peer-name.js";

/** The error a failed peer-name check produces; `sans` are what the server presented. */
export class PeerNameError extends RaytlsError {
  constructor(
    message: string,
    readonly host: string,
    readonly sans: string[],
    hint: string | undefined,
  ) {
    super("peer-name", message, { kind: "check", ...(hint ? { hint } : {}) });
  }
}

/** The peer's leaf certificate as DER, read without Node decoding any of its fields. */
export function peerCertificateDer(socket: TLSSocket): Uint8Array | undefined {
  const x = socket.getPeerX509Certificate();
  return x ? new Uint8Array(x.raw) : undefined;
}

/**
 * Makes `socket.getPeerCertificate()` return only `{ raw }` (the DER), so neither Node's own
 * onConnectSecure nor any later caller builds the legacy object from untrusted bytes. Call it
 * right after `tls.connect`, before the handshake completes.
 */
export function guardPeerCertificate<T extends TLSSocket>(socket: T): T {
  socket.getPeerCertificate = function (this: TLSSocket): PeerCertificate {
    const raw = peerCertificateDer(this);
    return (raw ? { raw: Buffer.from(raw.buffer, raw.byteOffset, raw.length) } : {}) as PeerCertificate;
  } as TLSSocket["getPeerCertificate"];
  return socket;
}

/** C-core's peer-name decision for `host` against the leaf certificate the server presented. */
export function checkIdentity(host: string, cert: Pick<PeerCertificate, "raw"> | undefined): Error | undefined {
  if (!cert || !cert.raw) return new PeerNameError(`Peer name ${host} is not in peer certificate`, host, [], undefined);
  let verdict;
  try {
    verdict = checkPeerNameDer(host, cert.raw);
  } catch (err) {
    // A certificate the strict reader refuses is refused, as C-core's OpenSSL refuses what it cannot parse.
    return err instanceof Error ? err : new Error(String(err));
  }
  if (verdict.ok) return undefined;
  return new PeerNameError(verdict.message ?? `Peer name ${host} is not in peer certificate`, host, verdict.sans, verdict.hint);
}
