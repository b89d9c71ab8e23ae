/**
 * Both raytls clients (grpc-js with RayChannelCredentials, and the node:http2 one used by
 * health-check) against a real TLS server: no SNI for IP hosts, SNI = the dialed name otherwise,
 * the C-core peer-name rule, and the same answers from the raytls head.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:tls";
import { readFileSync } from "node:fs";
import { RayRpcClient } from "../../src/ray/rpc-client.js";
import { H2RpcClient } from "../../src/ray/h2-rpc-client.js";
import { resolveTarget, parseHostsOverride } from "../../src/ray/dial-target.js";
import { readTlsFiles } from "../../src/ray/tls-material.js";
import { startHead, type RunningHead } from "../../src/ray/head-node.js";
import { GRPC_STATUS } from "../../src/ray/grpc-status.js";
import { waitFor } from "../helpers/wait.js";
import { makePki, FQDN, SHORT, type PkiFixture } from "./pki-fixture.js";

let pki: PkiFixture;
let sniServer: Server;
let sniPort: number;
const seen: Array<string | false> = [];
let head: RunningHead;

beforeAll(async () => {
  pki = await makePki();
  sniServer = createServer({ cert: readFileSync(pki.head.cert), key: readFileSync(pki.head.key), ALPNProtocols: ["h2"] }, (s) => {
    seen.push(s.servername ?? false);
    s.destroy();
  });
  await new Promise<void>((r) => sniServer.listen(0, "127.0.0.1", r));
  sniPort = (sniServer.address() as { port: number }).port;
  head = await startHead({ host: "127.0.0.1", port: 0, tls: await readTlsFiles({ certFile: pki.head.cert, keyFile: pki.head.key, caFile: pki.caCert }) });
});
afterAll(async () => {
  sniServer?.close();
  await head?.close();
  pki?.cleanup();
});

const clients = {
  "grpc-js": (t: ReturnType<typeof resolveTarget>, tls: Awaited<ReturnType<typeof readTlsFiles>>) => new RayRpcClient(t, tls),
  "node:http2": (t: ReturnType<typeof resolveTarget>, tls: Awaited<ReturnType<typeof readTlsFiles>>) => new H2RpcClient(t, tls),
};

describe.each(Object.entries(clients))("%s client", (_name, make) => {
  const tls = () => readTlsFiles({ certFile: pki.worker.cert, keyFile: pki.worker.key, caFile: pki.caCert });
  const hosts = () => parseHostsOverride(`${FQDN}=127.0.0.1,${SHORT}=127.0.0.1`);

  it("sends no SNI for an IP host, and the dialed name otherwise", async () => {
    seen.length = 0;
    for (const address of [`127.0.0.1:${sniPort}`, `${FQDN}:${sniPort}`]) {
      const c = make(resolveTarget(address, hosts()), await tls());
      await c.call("healthCheck", { service: "" }, { timeoutMs: 1500 }).catch(() => undefined);
      c.close();
    }
    await waitFor("the server to see both handshakes", () => seen.length >= 2, { timeoutMs: 5000 }).catch(() => undefined);
    expect(seen.slice(0, 2)).toEqual([false, FQDN]);
  });

  it("calls the raytls head; the short name is refused by the C-core rule", async () => {
    const ok = make(resolveTarget(`${FQDN}:${head.port}`, hosts()), await tls());
    const r = await ok.call("getClusterId", {}, { timeoutMs: 3000 });
    expect(r.clusterId.toString("hex")).toBe(head.clusterId);
    const kv = await ok.call("internalKvGet", { key: Buffer.from("nope"), namespace: Buffer.from("cluster") }, { timeoutMs: 3000 });
    expect(kv.status?.code).toBe(17);
    ok.close();
    const bad = make(resolveTarget(`${SHORT}:${head.port}`, hosts()), await tls());
    await expect(bad.call("getClusterId", {}, { timeoutMs: 3000 })).rejects.toMatchObject({ code: GRPC_STATUS.UNAVAILABLE });
    bad.close();
  });

  it("passes the server's status code through (grpc.health NOT_FOUND for an unknown service)", async () => {
    const c = make(resolveTarget(`127.0.0.1:${head.port}`), await tls());
    // grpc.health.v1 with an unknown service: NOT_FOUND, per the health protocol
    await expect(c.call("healthCheck", { service: "nope" }, { timeoutMs: 3000 })).rejects.toMatchObject({ code: GRPC_STATUS.NOT_FOUND });
    c.close();
  });
});
