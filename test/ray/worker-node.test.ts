/**
 * Head and worker in-process over mTLS on loopback: the worker dials the head by its FQDN
 * (hosts override), registers its pod IP, heartbeats; the head dials it back by IP, reports it
 * alive through Ray's CheckAlive, and dead once the heartbeats stop.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHead, type RunningHead } from "../../src/ray/head-node.js";
import { startWorker, headAddressFromEnv } from "../../src/ray/worker-node.js";
import { WorkerRegistry } from "../../src/ray/worker-registry.js";
import { RayRpcClient } from "../../src/ray/rpc-client.js";
import { parseHostsOverride, resolveTarget } from "../../src/ray/dial-target.js";
import { readTlsFiles } from "../../src/ray/tls-material.js";
import { waitFor } from "../helpers/wait.js";
import { makePki, FQDN, type PkiFixture } from "./pki-fixture.js";

let pki: PkiFixture;
let head: RunningHead;

beforeAll(async () => {
  pki = await makePki("127.0.0.1", "127.0.0.1");
  head = await startHead({ host: "127.0.0.1", port: 0, heartbeatIntervalMs: 100, tls: await readTlsFiles({ certFile: pki.head.cert, keyFile: pki.head.key, caFile: pki.caCert }) });
});
afterAll(async () => {
  await head?.close();
  pki?.cleanup();
});

describe("worker <-> head", () => {
  it("registers by FQDN, is dialed back by pod IP, alive in CheckAlive, dead after it stops", async () => {
    const tls = await readTlsFiles({ certFile: pki.worker.cert, keyFile: pki.worker.key, caFile: pki.caCert });
    const worker = await startWorker({ headAddress: `${FQDN}:${head.port}`, podIp: "127.0.0.1", tls, hosts: parseHostsOverride(`${FQDN}=127.0.0.1`) });
    await worker.registered;
    await waitFor("the head to dial the worker back", () => head.registry.list()[0]?.dialBackOk, { timeoutMs: 5000 }).catch(() => undefined);
    const [node] = head.registry.list();
    expect(node).toMatchObject({ nodeId: worker.nodeId, podIp: "127.0.0.1", port: worker.port, alive: true, dialBackOk: true });

    const c = new RayRpcClient(resolveTarget(`127.0.0.1:${head.port}`), tls);
    const alive = await c.call("checkAlive", { nodeIds: [Buffer.from(worker.nodeId, "hex"), Buffer.from("00", "hex")] });
    expect(alive.rayletAlive).toEqual([true, false]);
    await worker.close();
    // Dead once 3 heartbeat intervals pass without one: asked until it says so, within a deadline.
    const deadNow = async () => (await c.call("checkAlive", { nodeIds: [Buffer.from(worker.nodeId, "hex")] })).rayletAlive[0] === false;
    expect(await waitFor("the head to declare the stopped worker dead", deadNow, { timeoutMs: 5000, intervalMs: 50 }).catch(() => false)).toBe(true);
    c.close();
  });

  it("takes the head address like a KubeRay worker: RAY_ADDRESS, else FQ_RAY_IP:6379", () => {
    expect(headAddressFromEnv({ RAY_ADDRESS: "a:1", FQ_RAY_IP: "b" })).toBe("a:1");
    expect(headAddressFromEnv({ FQ_RAY_IP: FQDN })).toBe(`${FQDN}:6379`);
    expect(() => headAddressFromEnv({})).toThrow(/RAY_ADDRESS or FQ_RAY_IP/);
  });
});

describe("WorkerRegistry (pinned clock)", () => {
  it("alive within 3 intervals, dead after; unknown heartbeats ask for re-registration", () => {
    let now = 1000;
    const reg = new WorkerRegistry(100, 300, () => now);
    reg.register({ nodeId: "ab", role: "worker", podIp: "10.0.0.3", port: 1, hostname: "w" });
    now += 300;
    expect(reg.isAlive("ab")).toBe(true);
    now += 1;
    expect(reg.isAlive("ab")).toBe(false);
    expect(reg.heartbeat("ab")).toBe(true);
    expect(reg.isAlive("ab")).toBe(true);
    expect(reg.heartbeat("zz")).toBe(false);
    expect(reg.list()[0]).toMatchObject({ dialBackOk: false, dialBackError: "pending" });
  });
});
