/**
 * The client-side peer-name decision for a TLS connection, as gRPC C-core makes it (facts
 * section 3, src/pki/peer-name.ts): used as Node's `checkServerIdentity` by both raytls clients.
 */
import type { PeerCertificate } from "node:tls";
import { X509Certificate } from "node:crypto";
import { checkPeerName } from "../pki/peer-name.js";

/** The error a failed peer-name check produces; `sans` are what the server presented. */
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

/** C-core's peer-name decision for `host` against the leaf certificate the server presented. */
export function checkIdentity(host: string, cert: PeerCertificate): Error | undefined {
  if (!cert || !cert.raw) return new PeerNameError(`Peer name ${host} is not in peer certificate`, host, [], undefined);
  const verdict = checkPeerName(host, new X509Certificate(cert.raw).toString());
  if (verdict.ok) return undefined;
  return new PeerNameError(verdict.message ?? `Peer name ${host} is not in peer certificate`, host, verdict.sans, verdict.hint);
}
