/**
 * `healthCheck` (what `raytls health-check` runs) against a real gRPC C-core server serving Ray's
 * methods, and the diagnosis of each way it can fail, against real sockets.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server as NetServer } from "node:net";
import { healthCheck } from "../../src/ray/health-check.js";
import { parseHostsOverride } from "../../src/ray/dial-target.js";
import { readTlsFiles } from "../../src/ray/tls-material.js";
import { startHead, type RunningHead } from "../../src/ray/head-node.js";
import { grpcCoreAvailable, startCoreServer, type CoreServer } from "../helpers/grpc-core.js";
import { makePki, FQDN, SHORT, type PkiFixture, type Files } from "./pki-fixture.js";

const core = grpcCoreAvailable();
if (!core.ok) console.warn(`SKIP C-core server tests: ${core.reason}`);

let pki: PkiFixture;
const tlsOf = (f: Files) => readTlsFiles({ certFile: f.cert, keyFile: f.key, caFile: f.ca });

beforeAll(async () => {
  pki = await makePki();
});
afterAll(() => pki?.cleanup());

describe.skipIf(!core.ok)("raytls health-check -> gRPC C-core server (mTLS)", () => {
  let server: CoreServer;
  let plain: CoreServer;
  beforeAll(async () => {
    server = await startCoreServer({ listen: "127.0.0.1:0", cert: pki.head.cert, key: pki.head.key, ca: pki.caCert, rayVersion: "2.52.0" });
    plain = await startCoreServer({ listen: "127.0.0.1:0", plaintext: true });
  });
  afterAll(async () => {
    await server?.stop();
    await plain?.stop();
  });
  const hosts = () => parseHostsOverride(`${FQDN}=127.0.0.1,${SHORT}=127.0.0.1`);

  it("passes by IP with the cluster-metadata protocol and sends ray_cluster_id", async () => {
    const r = await healthCheck({ address: `127.0.0.1:${server.port}`, tls: await tlsOf(pki.worker), rayVersion: "2.52.0" });
    expect(r.ok, JSON.stringify(r.failure)).toBe(true);
    expect(r.used).toBe("cluster-metadata");
    expect(r.rayVersion).toBe("2.52.0");
    const calls = (await server.records()).filter((x) => x.event === "call");
    const kv = calls.find((c) => String(c.method).endsWith("InternalKVGet"));
    expect(kv?.metadata?.ray_cluster_id).toBe(r.clusterId);
  });

  it("passes by the FQDN (seed Step 4) and fails by the short name with gRPC's words", async () => {
    const tls = await tlsOf(pki.worker);
    const ok = await healthCheck({ address: `${FQDN}:${server.port}`, tls, hosts: hosts() });
    expect(ok.ok).toBe(true);
    const bad = await healthCheck({ address: `${SHORT}:${server.port}`, tls, hosts: hosts() });
    expect(bad.ok).toBe(false);
    expect(bad.failure?.kind).toBe("peer-name");
    expect(bad.failure?.message).toBe(`Peer name ${SHORT} is not in peer certificate`);
    expect(bad.failure?.hint).toMatch(/--dns raycluster-tls-head-svc/);
    expect(bad.failure?.facts.join("\n")).toMatch(/DNS:raycluster-tls-head-svc.default.svc.cluster.local/);
  });

  it("check-alive and grpc-health protocols work too", async () => {
    const tls = await tlsOf(pki.worker);
    for (const protocol of ["check-alive", "grpc-health"] as const) {
      const r = await healthCheck({ address: `127.0.0.1:${server.port}`, tls, protocol });
      expect(r.ok, protocol).toBe(true);
    }
  });

  it("reports Ray's version mismatch", async () => {
    const r = await healthCheck({ address: `127.0.0.1:${server.port}`, tls: await tlsOf(pki.worker), rayVersion: "2.9.0" });
    expect(r.ok).toBe(false);
    expect(r.failure?.message).toBe("Ray version mismatch: cluster has Ray version 2.52.0 but local Ray version is 2.9.0");
    const skip = await healthCheck({ address: `127.0.0.1:${server.port}`, tls: await tlsOf(pki.worker), rayVersion: "2.9.0", skipVersionCheck: true });
    expect(skip.ok).toBe(true);
  });

  it("explains a client certificate the server refuses (other CA)", async () => {
    const r = await healthCheck({ address: `127.0.0.1:${server.port}`, tls: await tlsOf(pki.otherCa), timeoutMs: 4000 });
    expect(r.ok).toBe(false);
    expect(["untrusted-server", "client-cert-rejected"]).toContain(r.failure?.kind);
    expect(r.probe?.demandsClientCert).toBe(true);
  });

  it("explains TLS against a plaintext server, and plaintext against a TLS server", async () => {
    const a = await healthCheck({ address: `127.0.0.1:${plain.port}`, tls: await tlsOf(pki.worker), timeoutMs: 4000 });
    expect(a.failure?.kind).toBe("plaintext-server");
    const b = await healthCheck({ address: `127.0.0.1:${server.port}`, tls: null, timeoutMs: 4000 });
    expect(b.failure?.kind).toBe("tls-server");
  });
});

describe("diagnosis against raw sockets and the raytls head", () => {
  it("connection refused", async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const r = await healthCheck({ address: `127.0.0.1:${port}`, tls: await tlsOf(pki.worker), timeoutMs: 3000 });
    expect(r.ok).toBe(false);
    expect(r.failure?.kind).toBe("refused");
  });

  it("timeout: a server that accepts and never answers", async () => {
    const sockets: import("node:net").Socket[] = [];
    const silent: NetServer = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as { port: number }).port;
    try {
      const r = await healthCheck({ address: `127.0.0.1:${port}`, tls: await tlsOf(pki.worker), timeoutMs: 1000 });
      expect(r.ok).toBe(false);
      expect(r.steps[0]?.code).toBe("DEADLINE_EXCEEDED");
      expect(`${r.failure?.facts.join(" ")} ${r.failure?.message}`).toMatch(/timed out|DEADLINE/);
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it("DNS failure", async () => {
    const r = await healthCheck({ address: "no-such-host.invalid:6379", tls: await tlsOf(pki.worker), timeoutMs: 3000 });
    expect(r.ok).toBe(false);
    expect(r.failure?.kind).toBe("dns");
  });

  it("a serverAuth-only client certificate against the raytls head: refused, and said why", async () => {
    const head: RunningHead = await startHead({ host: "127.0.0.1", port: 0, tls: await tlsOf(pki.head) });
    try {
      const r = await healthCheck({ address: `127.0.0.1:${head.port}`, tls: await tlsOf(pki.serverAuthOnly), timeoutMs: 3000 });
      expect(r.ok).toBe(false);
      expect(r.failure?.kind).toBe("client-cert-rejected");
      expect(r.failure?.facts.join("\n")).toMatch(/lacks clientAuth/);
      const good = await healthCheck({ address: `127.0.0.1:${head.port}`, tls: await tlsOf(pki.worker) });
      expect(good.ok).toBe(true);
    } finally {
      await head.close();
    }
  });
});

describe("auto protocol falls back like Ray's generations", () => {
  it("an old GCS with only CheckAlive (Ray 2.6 to ~2.35): auto uses CheckAlive", async () => {
    const { Server, ServerCredentials } = await import("@grpc/grpc-js");
    const { methods } = await import("../../src/ray/rpc-methods.js");
    const server = new Server();
    server.addService({ CheckAlive: methods.checkAlive } as never, {
      CheckAlive: (_c: unknown, cb: (e: null, r: unknown) => void) => cb(null, { status: { code: 0, message: "" }, rayVersion: "2.9.3", rayletAlive: [] }),
    });
    const port = await new Promise<number>((res, rej) => server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
    try {
      const r = await healthCheck({ address: `127.0.0.1:${port}`, tls: null });
      expect(r.ok, JSON.stringify(r)).toBe(true);
      expect(r.used).toBe("check-alive");
      expect(r.rayVersion).toBe("2.9.3");
      expect(r.steps.map((s) => [s.rpc, s.code ?? "OK"])).toEqual([["GetClusterId", "UNIMPLEMENTED"], ["CheckAlive", "OK"]]);
    } finally {
      server.forceShutdown();
    }
  });
});
