/**
 * Client-side TLS exactly as a Ray process does it (facts sections 1 and 3):
 * - presents its own certificate and key (RAY_TLS_SERVER_CERT/KEY) to every server;
 * - verifies the server's chain against RAY_TLS_CA_CERT;
 * - checks the *dialed* host name against the server certificate the way gRPC C-core does
 *   (src/pki/peer-name.ts), not with Node's `tls.checkServerIdentity`, which treats IP targets
 *   differently and would predict a different outcome than Ray's;
 * - never puts an IP address into SNI (RFC 6066 section 3 forbids it, and C-core does not).
 *
 * grpc-js' own `createSsl` always sets `servername` to the target host, IPs included, so this is
 * a `ChannelCredentials` of our own whose connector calls `tls.connect` itself. The connector
 * interface is grpc-js 1.14's (`_createSecureConnector`), pinned by package-lock.json and covered
 * by test/ray/clients.test.ts (the grpc-js client: SNI, peer names, mutual TLS).
 */
import { connect as tlsConnect, createSecureContext, type PeerCertificate, type SecureContext } from "node:tls";
import type { Socket } from "node:net";
import { ipVersion } from "../pki/names.js";
import { CallCredentials, ChannelCredentials } from "@grpc/grpc-js";
import { checkIdentity, guardPeerCertificate } from "./peer-identity.js";

type SecureConnector = ReturnType<ChannelCredentials["_createSecureConnector"]>;

export type { ClientTls } from "./client-tls.js";
import type { ClientTls } from "./client-tls.js";

export class RayChannelCredentials extends ChannelCredentials {
  private readonly context: SecureContext;

  /**
   * @param tls the client's own certificate, key, and the CA it trusts.
   * @param peerName the name to check the server certificate against: the host that was dialed,
   *   even when the address actually connected to came from a hosts override.
   */
  constructor(
    readonly tls: ClientTls,
    readonly peerName: string,
  ) {
    super();
    this.context = createSecureContext({ cert: tls.cert, key: tls.key, ca: tls.ca });
  }

  override _isSecure(): boolean {
    return true;
  }

  override _equals(other: ChannelCredentials): boolean {
    return other === this;
  }

  override _createSecureConnector(_target: unknown, _options: unknown, callCredentials?: CallCredentials): SecureConnector {
    const context = this.context;
    const peerName = this.peerName;
    const creds = callCredentials ?? CallCredentials.createEmpty();
    return {
      connect(socket: Socket) {
        return new Promise((resolve, reject) => {
          const tlsSocket = guardPeerCertificate(tlsConnect(
            {
              socket,
              secureContext: context,
              ALPNProtocols: ["h2"],
              // No SNI for IP targets (RFC 6066 s3; C-core omits it too). Node would send it.
              ...(ipVersion(peerName) ? {} : { servername: peerName }),
              checkServerIdentity: (_host: string, cert: PeerCertificate) => checkIdentity(peerName, cert),
            },
            () => {
              if (!tlsSocket.authorized) {
                reject(tlsSocket.authorizationError);
                return;
              }
              resolve({ socket: tlsSocket, secure: true });
            },
          ));
          tlsSocket.on("error", reject);
        });
      },
      waitForReady: () => Promise.resolve(),
      getCallCredentials: () => creds,
      destroy() {},
    };
  }
}
