/**
 * A unary client for the methods in rpc-methods.ts, over TLS the way Ray dials
 * (RayChannelCredentials) or plaintext when RAY_USE_TLS is off.
 */
import { Client, ChannelCredentials, Metadata, type ChannelOptions, type ServiceError } from "@grpc/grpc-js";
import { methods, type MethodName } from "./rpc-methods.js";
import { RayChannelCredentials, type ClientTls } from "./ray-channel-credentials.js";
import type { DialTarget } from "./dial-target.js";

type Req<M extends MethodName> = Parameters<(typeof methods)[M]["requestSerialize"]>[0];
type Res<M extends MethodName> = ReturnType<(typeof methods)[M]["responseDeserialize"]>;

export interface CallOptions {
  /** Milliseconds from now. Default 10,000 (ray health-check's default timeout). */
  timeoutMs?: number;
  metadata?: Record<string, string>;
}

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

  call<M extends MethodName>(name: M, request: Req<M>, options: CallOptions = {}): Promise<Res<M>> {
    const def = methods[name];
    const md = new Metadata();
    for (const [k, v] of Object.entries(options.metadata ?? {})) md.set(k, v);
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        def.path,
        def.requestSerialize as (r: Req<M>) => Buffer,
        def.responseDeserialize as (b: Buffer) => Res<M>,
        request,
        md,
        { deadline },
        (err: ServiceError | null, value?: Res<M>) => (err ? reject(err) : resolve(value as Res<M>)),
      );
    });
  }

  close(): void {
    this.client.close();
  }
}
