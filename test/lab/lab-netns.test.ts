/**
 * The lab in network namespaces (root only): each pod its own namespace, names from
 * /etc/netns/<ns>/hosts as Kubernetes DNS gives them. A gRPC C-core client inside a worker's
 * namespace dials the head by its FQDN, exactly as a Ray worker would. Cleans up every namespace.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { labDown, labUp } from "../../src/lab/lab.js";
import { execInPod } from "../../src/lab/pod-exec.js";
import { listLabNetns } from "../../src/lab/netns.js";
import { isAlive } from "../../src/lab/lab-processes.js";
import { coreCall, grpcCoreAvailable } from "../helpers/grpc-core.js";
import { netnsSkip } from "../helpers/netns-fixture.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { buildCliBundle } from "./cli-bundle.js";

const why = await netnsSkip("netns lab tests");
const core = grpcCoreAvailable();

const name = `nst${process.pid % 10000}`;
const tmp = useTempDir("raytls-netns-test-");
let bundle: Awaited<ReturnType<typeof buildCliBundle>> | undefined;

beforeAll(async () => {
  if (!why) bundle = await buildCliBundle();
});
afterAll(async () => {
  if (!why) await labDown(tmp.dir, name).catch(() => undefined);
  bundle?.cleanup();
});

describe.skipIf(Boolean(why))("raytls lab --netns", () => {
  it("pods in namespaces: FQDN passes, short name fails, C-core client in a worker namespace agrees; down removes all", async () => {
    const dir = tmp.dir;
    const up = await labUp({ name, namespace: "default", workers: 2, mode: "netns", dir });
    const plan = up.state.plan;
    expect(up.nodes.every((n) => n.alive && n.dialBackOk)).toBe(true);
    expect((await listLabNetns(name)).sort()).toEqual([`raytls-${name}-head`, `raytls-${name}-net`, `raytls-${name}-worker-1`, `raytls-${name}-worker-2`]);
    expect(existsSync(`/etc/netns/raytls-${name}-worker-1/hosts`)).toBe(true);

    const worker = plan.pods[1]!;
    const ok = await execInPod(worker, ["health-check", "--address", `${plan.headFqdn}:6379`]);
    expect(ok.code, ok.stderr).toBe(0);
    const bad = await execInPod(worker, ["health-check", "--address", `${plan.headShort}:6379`]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`Peer name ${plan.headShort} is not in peer certificate`);

    if (core.ok) {
      const files = { cert: worker.env.RAY_TLS_SERVER_CERT!, key: worker.env.RAY_TLS_SERVER_KEY!, ca: worker.env.RAY_TLS_CA_CERT! };
      const good = await coreCall({ target: `${plan.headFqdn}:6379`, ...files, method: "get-cluster-id", netns: worker.netns! });
      expect(good.ok, JSON.stringify(good)).toBe(true);
      const short = await coreCall({ target: `${plan.headShort}:6379`, ...files, method: "get-cluster-id", netns: worker.netns! });
      expect(short.ok).toBe(false);
      expect(`${short.details} ${short.debugErrorString}`).toMatch(/Peer name|not in peer certificate|handshake/i);
    } else console.warn(`SKIP C-core part: ${core.reason}`);

    const pids = Object.values(up.state.pids);
    const down = await labDown(dir, name);
    expect(down.netnsRemoved.length).toBe(4);
    // lab down returns once its processes are gone (a zombie counts as gone).
    expect(pids.filter((p) => isAlive(p))).toEqual([]);
    expect(await listLabNetns(name)).toEqual([]);
    expect(existsSync(`/etc/netns/raytls-${name}-worker-1`)).toBe(false);
  });
});
