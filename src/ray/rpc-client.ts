/**
 * A unary client for the methods in rpc-methods.ts, over TLS the way Ray dials
 * (RayChannelCredentials) or plaintext when RAY_USE_TLS is off.
 */
import { Client, ChannelCredentials, Metadata, type ChannelOptions, type MethodDefinition, type ServiceError } from "@grpc/grpc-js";
import { methodNamed, type CallOptions, type MethodName, type RequestOf, type ResponseOf } from "./rpc-methods.js";
import { RayChannelCredentials, type ClientTls } from "./ray-channel-credentials.js";
import type { DialTarget } from "./dial-target.js";

export class RayRpcClient {
  readonly client: Client;

  constructor(
    readonly target: DialTarget,
    tls: ClientTls | null,
    options: ChannelOptions = {},
  ) {
    const creds = tls ? new RayChannelCredentials(tls, target.host) : ChannelCredentials.createInsecure();
    this.client = new Client(target.grpcTarget, creds, {
      "grpc.default_authority": target.authority,
      // One health check = one connection; do not keep retrying a dead address in the background.
      "grpc.enable_retries": 0,
      ...options,
    });
  }

  call<M extends MethodName>(name: M, request: RequestOf<M>, options: CallOptions = {}): Promise<ResponseOf<M>> {
    return this.callMethod(methodNamed(name), request, options);
  }

  /** Any unary method, e.g. one defined outside src/ray (the bench's echo). */
  callMethod<Q, R>(def: MethodDefinition<Q, R>, request: Q, options: CallOptions = {}): Promise<R> {
    const md = new Metadata();
    for (const [k, v] of Object.entries(options.metadata ?? {})) md.set(k, v);
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        def.path,
        def.requestSerialize,
        def.responseDeserialize,
        request,
        md,
        { deadline },
        (err: ServiceError | null, value?: R) => (err ? reject(err) : resolve(value as R)),
      );
    });
  }

  close(): void {
    this.client.close();
  }
}
