/** The gRPC C-core peer (python3-grpcio) the other tests rely on: all four Ray methods over mTLS, and the refusals C-core reports. */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coreCall, grpcCoreAvailable, startCoreServer, type CoreServer } from "../helpers/grpc-core.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { waitFor } from "../helpers/wait.js";

const avail = grpcCoreAvailable();
if (!avail.ok) console.warn(`[grpc-core-peer.test] skipping: ${avail.reason}`);

interface Pair {
  cert: string;
  key: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

function makeCa(dir: string, name: string): Pair {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  openssl(
    [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
      "-keyout", key, "-out", cert, "-days", "2", "-subj", `/CN=${name}`,
      "-addext", "basicConstraints=critical,CA:TRUE",
      "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    ],
    dir,
  );
  return { cert, key };
}

function makeLeaf(dir: string, name: string, ca: Pair, san: string): Pair {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  openssl(
    ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
      "-keyout", key, "-out", csr, "-subj", `/CN=${name}`],
    dir,
  );
  writeFileSync(
    ext,
    [
      `subjectAltName=${san}`,
      "extendedKeyUsage=serverAuth,clientAuth",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "basicConstraints=CA:FALSE",
      "",
    ].join("\n"),
  );
  openssl(
    ["x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-set_serial",
      `0x${Date.now().toString(16)}${Math.floor(Math.random() * 1e6).toString(16)}`,
      "-days", "1", "-extfile", ext, "-out", cert],
    dir,
  );
  return { cert, key };
}

/** C-core logs server-side handshake failures asynchronously: poll the record file a little. */
async function waitForRecord(
  server: CoreServer,
  pred: (r: any) => boolean,
  ms = 3000,
): Promise<any | undefined> {
  return waitFor("a C-core server record", async () => (await server.records()).find(pred), { timeoutMs: ms, intervalMs: 100 }).catch(() => undefined);
}

describe.skipIf(!avail.ok)("gRPC C-core peer (python3-grpcio)", () => {
  const tmp = useTempDir("raytls-grpc-core-peer-");
  let dir = "";
  let ca: Pair;
  let server: Pair;
  let client: Pair;
  let rogue: Pair;
  let tlsServer: CoreServer | undefined;
  let plainServer: CoreServer | undefined;
  const clusterId = "c0ffee".padEnd(56, "0");

  beforeAll(async () => {
    dir = tmp.dir;
    ca = makeCa(dir, "test-ca");
    const otherCa = makeCa(dir, "other-ca");
    server = makeLeaf(dir, "server", ca, "DNS:localhost,IP:127.0.0.1");
    client = makeLeaf(dir, "client", ca, "DNS:client.example");
    rogue = makeLeaf(dir, "rogue", otherCa, "DNS:localhost,IP:127.0.0.1");
    tlsServer = await startCoreServer({
      cert: server.cert,
      key: server.key,
      ca: ca.cert,
      rayVersion: "2.52.0",
      clusterId,
    });
    plainServer = await startCoreServer({ plaintext: true, rayVersion: "2.41.0" });
  });

  afterAll(async () => {
    await Promise.all([tlsServer?.stop(), plainServer?.stop()]);
  });

  const mtls = () => ({ cert: client.cert, key: client.key, ca: ca.cert });

  it("serves all four methods over mTLS with Ray's wire format", async () => {
    const target = `127.0.0.1:${tlsServer!.port}`;
    expect(tlsServer!.host).toBe("127.0.0.1");

    const id = await coreCall({ target, ...mtls(), method: "get-cluster-id" });
    expect(id).toEqual({ ok: true, reply: { status: { code: 0, message: "" }, cluster_id: clusterId } });

    const alive = await coreCall({
      target,
      ...mtls(),
      method: "check-alive",
      nodeIds: ["aa".repeat(28), "bb".repeat(28)],
      metadata: { ray_cluster_id: clusterId },
    });
    expect(alive.ok).toBe(true);
    expect(alive.reply).toEqual({
      status: { code: 0, message: "" },
      ray_version: "2.52.0",
      raylet_alive: [true, true],
    });

    const kv = await coreCall({ target, ...mtls(), method: "kv-get", metadata: { ray_cluster_id: clusterId } });
    expect(kv.ok).toBe(true);
    expect(kv.reply?.status).toEqual({ code: 0, message: "" });
    expect(JSON.parse(String(kv.reply?.value))).toEqual({ ray_version: "2.52.0", python_version: "3.11.2" });

    const missing = await coreCall({ target, ...mtls(), method: "kv-get", kvKey: "NOPE" });
    expect(missing.reply).toEqual({ status: { code: 17, message: "Failed to find the key" }, value: "" });

    const health = await coreCall({ target, ...mtls(), method: "health" });
    expect(health).toEqual({ ok: true, reply: { status: "SERVING", status_code: 1 } });

    // The DNS SAN works too.
    const byName = await coreCall({ target: `localhost:${tlsServer!.port}`, ...mtls(), method: "health" });
    expect(byName.ok).toBe(true);

    const calls = (await tlsServer!.records()).filter((r) => r.event === "call");
    const methods = calls.map((r) => r.method);
    expect(methods).toEqual(
      expect.arrayContaining([
        "/ray.rpc.NodeInfoGcsService/GetClusterId",
        "/ray.rpc.NodeInfoGcsService/CheckAlive",
        "/ray.rpc.InternalKVGcsService/InternalKVGet",
        "/grpc.health.v1.Health/Check",
      ]),
    );
    const kvCall = calls.find((r) => r.method.endsWith("/InternalKVGet") && r.key === "CLUSTER_METADATA");
    expect(kvCall?.namespace).toBe("cluster");
    expect(kvCall?.metadata?.ray_cluster_id).toBe(clusterId);
    const aliveCall = calls.find((r) => r.method.endsWith("/CheckAlive"));
    expect(aliveCall?.node_ids).toEqual(["aa".repeat(28), "bb".repeat(28)]);
    // The server saw the client certificate.
    expect(aliveCall?.auth?.x509_common_name).toEqual(["client"]);
  });

  it("rejects a server whose certificate does not name the target (name override)", async () => {
    const r = await coreCall({
      target: `127.0.0.1:${tlsServer!.port}`,
      ...mtls(),
      nameOverride: "wrong.example",
    });
    expect(r.ok).toBe(false);
    expect(r.code).toBe("UNAVAILABLE");
    expect(r.details).toContain("Peer name wrong.example is not in peer certificate");
    expect(r.debugErrorString).toContain("Peer name wrong.example is not in peer certificate");
    const log = await waitForRecord(tlsServer!, (x) => x.event === "handshake-failure" && /wrong\.example/.test(x.reason));
    // C-core 1.51 logs this at ERROR level; the peer records it from its stderr.
    expect(log?.reason).toBe("No match found for server name: wrong.example.");
  });

  it("refuses a client without a certificate (one-way TLS client)", async () => {
    const r = await coreCall({ target: `127.0.0.1:${tlsServer!.port}`, ca: ca.cert });
    expect(r.ok).toBe(false);
    expect(r.code).toBe("UNAVAILABLE");
    // TLS 1.3: the client only sees the connection drop; the reason is on the server.
    expect(r.details).toMatch(/Socket closed|Endpoint read failed|certificate required|handshake/i);
    const log = await waitForRecord(tlsServer!, (x) => x.event === "handshake-failure" && /peer did not return a certificate/.test(x.reason));
    // C-core 1.51 logs this at ERROR level; the peer records it from its stderr.
    expect(log?.reason).toContain("peer did not return a certificate");
  });

  it("refuses a client certificate from another CA", async () => {
    const r = await coreCall({
      target: `127.0.0.1:${tlsServer!.port}`,
      cert: rogue.cert,
      key: rogue.key,
      ca: ca.cert,
    });
    expect(r.ok).toBe(false);
    expect(r.code).toBe("UNAVAILABLE");
    expect(r.details).toMatch(/Socket closed|Endpoint read failed|certificate|handshake/i);
    const log = await waitForRecord(tlsServer!, (x) => x.event === "handshake-failure" && /certificate verify failed/.test(x.reason));
    // C-core 1.51 logs this at ERROR level; the peer records it from its stderr.
    expect(log?.reason).toContain("certificate verify failed");
  });

  it("a client rejects a server certificate from another CA", async () => {
    const rogueServer = await startCoreServer({ cert: rogue.cert, key: rogue.key, ca: ca.cert });
    try {
      const r = await coreCall({ target: `127.0.0.1:${rogueServer.port}`, ...mtls() });
      expect(r.ok).toBe(false);
      expect(r.code).toBe("UNAVAILABLE");
      expect(r.details).toContain("Ssl handshake failed: SSL_ERROR_SSL: error:0A000086:SSL routines::certificate verify failed");
    } finally {
      await rogueServer.stop();
    }
  });

  it("plaintext server and plaintext client work; plaintext against TLS does not", async () => {
    const target = `127.0.0.1:${plainServer!.port}`;
    const alive = await coreCall({ target, plaintext: true, method: "check-alive", nodeIds: ["01"] });
    expect(alive).toEqual({
      ok: true,
      reply: { status: { code: 0, message: "" }, ray_version: "2.41.0", raylet_alive: [true] },
    });
    const id = await coreCall({ target, plaintext: true });
    expect(id.ok).toBe(true);
    expect(String(id.reply?.cluster_id)).toMatch(/^[0-9a-f]{56}$/);

    const mismatch = await coreCall({ target: `127.0.0.1:${tlsServer!.port}`, plaintext: true });
    expect(mismatch.ok).toBe(false);
    expect(mismatch.code).toBe("UNAVAILABLE");

    const tlsToPlain = await coreCall({ target, ...mtls() });
    expect(tlsToPlain.ok).toBe(false);
    expect(tlsToPlain.details).toContain("Ssl handshake failed: SSL_ERROR_SSL: error:0A00010B:SSL routines::wrong version number");
  });

  it("stop() ends the server process", async () => {
    const s = await startCoreServer({ plaintext: true });
    await s.stop();
    expect(() => process.kill(s.pid, 0)).toThrow();
    await s.stop(); // idempotent
  });
});
