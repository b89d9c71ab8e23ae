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

/**
 * The error a failed peer-name check produces; `sans` are what the server presented. A plain
 * Error on purpose: Node reports a verification error by its `code` when it has one
 * (authorizationError = err.code || err.message), and gRPC's words must come through.
 */
export class PeerNameError extends Error {
  override readonly name = "PeerNameError";
  constructor(
    message: string,
    readonly host: string,
    readonly sans: string[],
    readonly hint: string | undefined,
  ) {
    super(message);
  }
}

const peerDer = new WeakMap<TLSSocket, Uint8Array | undefined>();

/**
 * The peer's leaf certificate as DER, read without Node decoding any of its fields. Cached per
 * socket: on a client socket Node 20's getPeerX509Certificate() takes the leaf out of OpenSSL's
 * peer chain (sk_X509_delete in X509Certificate::GetPeerCert), so a second call finds nothing.
 */
export function peerCertificateDer(socket: TLSSocket): Uint8Array | undefined {
  if (peerDer.has(socket)) return peerDer.get(socket);
  const x = socket.getPeerX509Certificate();
  const raw = x ? new Uint8Array(x.raw) : undefined;
  if (raw) peerDer.set(socket, raw);
  return raw;
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
    if (err instanceof RaytlsError) return new PeerNameError(err.message, host, [], err.hint);
    throw err;
  }
  if (verdict.ok) return undefined;
  return new PeerNameError(verdict.message ?? `Peer name ${host} is not in peer certificate`, host, verdict.sans, verdict.hint);
}
