/**
 * Server-side TLS as every Ray gRPC server does it (facts section 1): present the pod certificate,
 * and REQUIRE and VERIFY a client certificate against RAY_TLS_CA_CERT
 * (C-core's GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY). OpenSSL checks the
 * client certificate's purpose, so a serverAuth-only certificate is refused as a client.
 */
import { ServerCredentials } from "@grpc/grpc-js";
import type { ClientTls } from "./client-tls.js";

export function rayServerCredentials(tls: ClientTls | null): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(tls.ca, [{ cert_chain: tls.cert, private_key: tls.key }], true);
}
