/** The methods of rpc-methods.ts over H2UnaryClient: same call shape as RayRpcClient, no grpc-js. */
import type { MethodDefinition } from "@grpc/grpc-js";
import { methodNamed, type CallOptions, type MethodName, type RequestOf, type ResponseOf } from "./rpc-methods.js";
import { H2UnaryClient } from "./h2-unary-client.js";
import type { ClientTls } from "./client-tls.js";
import type { DialTarget } from "./dial-target.js";

export class H2RpcClient {
  private readonly h2: H2UnaryClient;

  constructor(target: DialTarget, tls: ClientTls | null) {
    this.h2 = new H2UnaryClient(target, tls);
  }

  call<M extends MethodName>(name: M, request: RequestOf<M>, o: CallOptions = {}): Promise<ResponseOf<M>> {
    return this.callMethod(methodNamed(name), request, o);
  }

  /** Any unary method, e.g. one defined outside src/ray (the bench's echo). */
  async callMethod<Q, R>(def: MethodDefinition<Q, R>, request: Q, o: CallOptions = {}): Promise<R> {
    const bytes = await this.h2.call(def.path, def.requestSerialize(request), {
      timeoutMs: o.timeoutMs ?? 10_000,
      ...(o.metadata ? { metadata: o.metadata } : {}),
    });
    return def.responseDeserialize(bytes);
  }

  close(): void {
    this.h2.close();
  }
}
