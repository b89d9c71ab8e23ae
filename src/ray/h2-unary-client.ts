/**
 * A minimal gRPC unary client on node:http2, for `raytls health-check`, whose cold start has a
 * 150 ms target (issue 3): loading grpc-js costs ~60 ms of that, node:http2 almost nothing. It
 * speaks the same wire protocol (grpc/doc/PROTOCOL-HTTP2.md: POST, `content-type:
 * application/grpc`, `te: trailers`, 5-byte length-prefixed messages, `grpc-status` /
 * `grpc-message` trailers) and does TLS exactly as RayChannelCredentials does: own certificate
 * presented, chain checked against the CA, C-core peer-name rule on the dialed host, no SNI for
 * IPs. Tested against a gRPC C-core server (test/ray/health-check.test.ts) and beside the grpc-js
 * client against raytls's grpc-js head (test/ray/clients.test.ts).
 */
import { connect as h2connect, type ClientHttp2Session } from "node:http2";
import { connect as netConnect, type Socket } from "node:net";
import { ipVersion } from "../pki/names.js";
import { FLOW_CONTROL_WINDOW, MAX_FRAME_SIZE } from "./flow-control.js";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { GRPC_STATUS, RpcError } from "./grpc-status.js";
import { checkIdentity, guardPeerCertificate } from "./peer-identity.js";
import type { ClientTls } from "./client-tls.js";
import type { DialTarget } from "./dial-target.js";

export interface UnaryCallOptions {
  timeoutMs: number;
  metadata?: Record<string, string>;
}

export class H2UnaryClient {
  private session: Promise<ClientHttp2Session> | undefined;
  private socket: Socket | undefined;

  constructor(
    readonly target: DialTarget,
    readonly tls: ClientTls | null,
  ) {}

  private connect(timeoutMs: number): Promise<ClientHttp2Session> {
    this.session ??= new Promise<ClientHttp2Session>((resolve, reject) => {
      const host = this.target.overrideAddress ?? this.target.host;
      const port = this.target.port;
      const fail = (code: number, msg: string) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new RpcError(code, msg));
      };
      const timer = setTimeout(() => fail(GRPC_STATUS.DEADLINE_EXCEEDED, "Deadline exceeded while connecting"), timeoutMs);
      const ready = () => {
        clearTimeout(timer);
        const tlsSocket = socket as TLSSocket;
        if (this.tls && !tlsSocket.authorized) {
          fail(GRPC_STATUS.UNAVAILABLE, String(tlsSocket.authorizationError));
          return;
        }
        // Large windows and frames, as bindServer gives raytls's servers: a multi-MiB message then
        // travels without WINDOW_UPDATE stalls and in few, large TLS writes.
        const session = h2connect(`${this.tls ? "https" : "http"}://${this.target.authority}`, {
          createConnection: () => socket,
          settings: { initialWindowSize: FLOW_CONTROL_WINDOW, maxFrameSize: MAX_FRAME_SIZE },
        });
        session.on("connect", () => session.setLocalWindowSize(FLOW_CONTROL_WINDOW));
        session.on("error", () => {}); // surfaced per request
        resolve(session);
      };
      const socket: Socket = this.tls
        ? guardPeerCertificate(tlsConnect(
            {
              host,
              port,
              cert: this.tls.cert,
              key: this.tls.key,
              ca: this.tls.ca,
              ALPNProtocols: ["h2"],
              ...(ipVersion(this.target.host) ? {} : { servername: this.target.host }),
              checkServerIdentity: (_h, cert) => checkIdentity(this.target.host, cert),
            },
            ready,
          ))
        : netConnect({ host, port }, ready);
      this.socket = socket;
      socket.once("error", (e: NodeJS.ErrnoException) => fail(GRPC_STATUS.UNAVAILABLE, connectMessage(e, host, port)));
    });
    return this.session;
  }

  async call(path: string, message: Buffer, o: UnaryCallOptions): Promise<Buffer> {
    const deadline = Date.now() + o.timeoutMs;
    const session = await this.connect(o.timeoutMs);
    return new Promise<Buffer>((resolve, reject) => {
      const left = Math.max(1, deadline - Date.now());
      const req = session.request({
        ":method": "POST",
        ":path": path,
        ":authority": this.target.authority,
        ":scheme": this.tls ? "https" : "http",
        "content-type": "application/grpc",
        te: "trailers",
        "grpc-timeout": `${left}m`,
        ...(o.metadata ?? {}),
      });
      const chunks: Buffer[] = [];
      let status: number | undefined;
      let details = "";
      let httpStatus = 0;
      let settled = false;
      const finish = (err: RpcError | null, value?: Buffer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(value!);
      };
      const timer = setTimeout(() => {
        req.close();
        finish(new RpcError(GRPC_STATUS.DEADLINE_EXCEEDED, "Deadline exceeded"));
      }, left);
      const readStatus = (h: Record<string, unknown>) => {
        if (h["grpc-status"] !== undefined) status = Number(h["grpc-status"]);
        if (h["grpc-message"] !== undefined) details = decodeURIComponent(String(h["grpc-message"]));
      };
      req.on("response", (h) => {
        httpStatus = Number(h[":status"]);
        readStatus(h); // trailers-only responses carry the status in the headers
      });
      req.on("trailers", readStatus);
      req.on("data", (d: Buffer) => chunks.push(d));
      req.on("error", (e: Error) => finish(new RpcError(GRPC_STATUS.UNAVAILABLE, e.message)));
      req.on("close", () => {
        if (status === undefined) {
          const why = httpStatus && httpStatus !== 200 ? `Received HTTP status code ${httpStatus}` : closedMessage(this.socket);
          finish(new RpcError(httpStatus && httpStatus !== 200 ? GRPC_STATUS.UNKNOWN : GRPC_STATUS.UNAVAILABLE, why));
          return;
        }
        if (status !== GRPC_STATUS.OK) {
          finish(new RpcError(status, details));
          return;
        }
        const body = Buffer.concat(chunks);
        if (body.length < 5) return finish(new RpcError(GRPC_STATUS.INTERNAL, "response without a message"));
        if (body[0] !== 0) return finish(new RpcError(GRPC_STATUS.INTERNAL, "compressed response, none was offered"));
        finish(null, body.subarray(5, 5 + body.readUInt32BE(1)));
      });
      const prefix = Buffer.alloc(5);
      prefix.writeUInt32BE(message.length, 1);
      req.end(Buffer.concat([prefix, message]));
    });
  }

  close(): void {
    void this.session?.then((s) => s.close(), () => undefined);
    this.socket?.destroy();
  }
}

function connectMessage(e: NodeJS.ErrnoException, host: string, port: number): string {
  if (e.code === "ECONNREFUSED") return `connect ECONNREFUSED ${host}:${port}`;
  return e.message;
}

function closedMessage(socket: Socket | undefined): string {
  // With TLS 1.3 a refused client certificate reaches the client only as a closed connection.
  return socket?.destroyed ? "Socket closed" : "Stream closed without a status";
}
