/**
 * The bench's echo lives in src/bench and reaches the head as an extra service (issue 12 section 3):
 * a real head over mutual TLS echoes each byte back through both clients, and a head started
 * without it answers UNIMPLEMENTED, as a Ray GCS would.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { echoMethod, echoService } from "../../src/bench/echo-service.js";
import { makeBenchPki, type BenchPki } from "../../src/bench/grpc-bench-peer.js";
import { startHead, type RunningHead } from "../../src/ray/head-node.js";
import { RayRpcClient } from "../../src/ray/rpc-client.js";
import { H2RpcClient } from "../../src/ray/h2-rpc-client.js";
import { resolveTarget } from "../../src/ray/dial-target.js";
import { loadTls } from "../../src/ray/tls-material.js";

describe("bench echo service on a raytls head", () => {
  let pki: BenchPki;
  let withEcho: RunningHead;
  let without: RunningHead;
  beforeAll(async () => {
    pki = await makeBenchPki();
    const tls = await loadTls(pki.headEnv);
    withEcho = await startHead({ host: "127.0.0.1", port: 0, tls, dialBack: false, services: [echoService] });
    without = await startHead({ host: "127.0.0.1", port: 0, tls, dialBack: false });
  });
  afterAll(async () => {
    await withEcho?.close();
    await without?.close();
    pki?.cleanup();
  });

  it("echoes the payload over mTLS through the grpc-js client and the HTTP/2 client", async () => {
    const payload = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
    const target = resolveTarget(`127.0.0.1:${withEcho.port}`);
    const grpc = new RayRpcClient(target, pki.client);
    const h2 = new H2RpcClient(target, pki.client);
    try {
      expect((await grpc.callMethod(echoMethod, { payload })).payload.equals(payload)).toBe(true);
      expect((await h2.callMethod(echoMethod, { payload })).payload.equals(payload)).toBe(true);
    } finally {
      grpc.close();
      h2.close();
    }
  });

  it("a head without the service answers UNIMPLEMENTED", async () => {
    const grpc = new RayRpcClient(resolveTarget(`127.0.0.1:${without.port}`), pki.client);
    try {
      await expect(grpc.callMethod(echoMethod, { payload: Buffer.from("x") })).rejects.toMatchObject({ code: status.UNIMPLEMENTED });
    } finally {
      grpc.close();
    }
  });
});
