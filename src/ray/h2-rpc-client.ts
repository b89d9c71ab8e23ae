/** The methods of rpc-methods.ts over H2UnaryClient: same call shape as RayRpcClient, no grpc-js. */
import { methods, type MethodName } from "./rpc-methods.js";
import { H2UnaryClient } from "./h2-unary-client.js";
import type { ClientTls } from "./client-tls.js";
import type { DialTarget } from "./dial-target.js";

type Req<M extends MethodName> = Parameters<(typeof methods)[M]["requestSerialize"]>[0];
type Res<M extends MethodName> = ReturnType<(typeof methods)[M]["responseDeserialize"]>;

export class H2RpcClient {
  private readonly h2: H2UnaryClient;

  constructor(target: DialTarget, tls: ClientTls | null) {
    this.h2 = new H2UnaryClient(target, tls);
  }

  async call<M extends MethodName>(name: M, request: Req<M>, o: { timeoutMs?: number; metadata?: Record<string, string> } = {}): Promise<Res<M>> {
    const def = methods[name];
    const bytes = await this.h2.call(def.path, (def.requestSerialize as (r: Req<M>) => Buffer)(request), {
      timeoutMs: o.timeoutMs ?? 10_000,
      ...(o.metadata ? { metadata: o.metadata } : {}),
    });
    return (def.responseDeserialize as (b: Buffer) => Res<M>)(bytes);
  }

  close(): void {
    this.h2.close();
  }
}
