/**
 * The raytls head against real peers: a gRPC C-core client (python3-grpcio) calls all four RPCs
 * over mTLS, and the refusal matrix (issue 3, section 5) with both grpc-js and C-core clients.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { credentials } from "@grpc/grpc-js";
import { startHead, type RunningHead } from "../../src/ray/head-node.js";
import { RayRpcClient } from "../../src/ray/rpc-client.js";
import { resolveTarget } from "../../src/ray/dial-target.js";
import { readTlsFiles } from "../../src/ray/tls-material.js";
import { coreCall, grpcCoreAvailable } from "../helpers/grpc-core.js";
import { makePki, FQDN, type PkiFixture, type Files } from "./pki-fixture.js";

const core = grpcCoreAvailable();
if (!core.ok) console.warn(`SKIP C-core parts of head-node tests: ${core.reason}`);

let pki: PkiFixture;
let head: RunningHead;
const target = () => `127.0.0.1:${head.port}`;
const tlsOf = (f: Files) => readTlsFiles({ certFile: f.cert, keyFile: f.key, caFile: f.ca });

beforeAll(async () => {
  pki = await makePki();
  head = await startHead({ host: "127.0.0.1", port: 0, tls: await tlsOf(pki.head), rayVersion: "2.52.0" });
});
afterAll(async () => {
  await head?.close();
  pki?.cleanup();
});

describe.skipIf(!core.ok)("gRPC C-core client -> raytls head over mTLS", () => {
  it("answers GetClusterId, CheckAlive, InternalKVGet and grpc.health", async () => {
    const good = { cert: pki.worker.cert, key: pki.worker.key, ca: pki.caCert };
    const id = await coreCall({ target: target(), ...good, method: "get-cluster-id" });
    expect(id.ok, JSON.stringify(id)).toBe(true);
    expect(id.reply!.cluster_id).toBe(head.clusterId);
    const alive = await coreCall({ target: target(), ...good, method: "check-alive", nodeIds: ["00ff"] });
    expect(alive.ok).toBe(true);
    expect(alive.reply!.ray_version).toBe("2.52.0");
    expect(alive.reply!.raylet_alive).toEqual([false]);
    const kv = await coreCall({ target: target(), ...good, method: "kv-get", metadata: { ray_cluster_id: head.clusterId } });
    expect(kv.ok).toBe(true);
    expect(JSON.parse(String(kv.reply!.value)).ray_version).toBe("2.52.0");
    const health = await coreCall({ target: target(), ...good, method: "health" });
    expect(health.ok).toBe(true);
    expect(health.reply!.status).toBe("SERVING");
  });

  it("is judged by name like Ray: the FQDN matches, the short name does not", async () => {
    const good = { cert: pki.worker.cert, key: pki.worker.key, ca: pki.caCert };
    const byFqdn = await coreCall({ target: target(), ...good, nameOverride: FQDN, method: "health" });
    expect(byFqdn.ok).toBe(true);
    const byShort = await coreCall({ target: target(), ...good, nameOverride: "raycluster-tls-head-svc", method: "health" });
    expect(byShort.ok).toBe(false);
    expect(byShort.code).toBe("UNAVAILABLE");
  });
});

describe("refusal matrix: the head refuses bad clients and keeps serving good ones", () => {
  const goodCall = async () => {
    const c = new RayRpcClient(resolveTarget(target()), await tlsOf(pki.worker));
    try {
      const r = await c.call("checkAlive", { nodeIds: [] }, { timeoutMs: 5000 });
      expect(r.rayVersion).toBe("2.52.0");
    } finally {
      c.close();
    }
  };

  const grpcJsCases: Array<[string, () => Promise<RayRpcClient>]> = [
    ["no client certificate", async () => {
      const c = new RayRpcClient(resolveTarget(target()), null);
      // one-way TLS: replace the channel with a CA-only one
      c.close();
      const { Client } = await import("@grpc/grpc-js");
      const oneWay = Object.create(RayRpcClient.prototype) as RayRpcClient;
      Object.assign(oneWay, { target: resolveTarget(target()), client: new Client(target(), credentials.createSsl(readFileSync(pki.caCert)), {}) });
      return oneWay;
    }],
    ["a certificate from another CA", async () => new RayRpcClient(resolveTarget(target()), await tlsOf(pki.otherCa))],
    ["a serverAuth-only certificate", async () => new RayRpcClient(resolveTarget(target()), await tlsOf(pki.serverAuthOnly))],
    ["an expired certificate", async () => new RayRpcClient(resolveTarget(target()), await tlsOf(pki.expired))],
    ["plaintext", async () => new RayRpcClient(resolveTarget(target()), null)],
  ];
  for (const [name, make] of grpcJsCases) {
    it(`grpc-js client with ${name} is refused`, async () => {
      const c = await make();
      try {
        await expect(c.call("checkAlive", { nodeIds: [] }, { timeoutMs: 3000 })).rejects.toMatchObject({ code: expect.any(Number) });
      } finally {
        c.close();
      }
      await goodCall();
    });
  }

  const coreCases: Array<[string, () => Parameters<typeof coreCall>[0]]> = [
    ["no client certificate", () => ({ target: target(), ca: pki.caCert })],
    ["a certificate from another CA", () => ({ target: target(), cert: pki.otherCa.cert, key: pki.otherCa.key, ca: pki.caCert })],
    ["a serverAuth-only certificate", () => ({ target: target(), cert: pki.serverAuthOnly.cert, key: pki.serverAuthOnly.key, ca: pki.caCert })],
    ["an expired certificate", () => ({ target: target(), cert: pki.expired.cert, key: pki.expired.key, ca: pki.caCert })],
    ["plaintext", () => ({ target: target(), plaintext: true })],
  ];
  for (const [name, opts] of coreCases) {
    it.skipIf(!core.ok)(`C-core client with ${name} is refused`, async () => {
      const r = await coreCall({ ...opts(), method: "check-alive", timeoutS: 3 });
      expect(r.ok, JSON.stringify(r)).toBe(false);
      await goodCall();
      const ok = await coreCall({ target: target(), cert: pki.worker.cert, key: pki.worker.key, ca: pki.caCert, method: "check-alive" });
      expect(ok.ok).toBe(true);
    });
  }
});
