/** The lab plan: pod names, addresses and the head FQDN for loopback and netns modes, from pure inputs. */
import { describe, expect, it } from "vitest";
import { RaytlsError } from "../../src/errors.js";
import { planLab, netnsPrefix } from "../../src/lab/lab-plan.js";

describe("planLab", () => {
  it("loopback: head on .2, workers after it, KubeRay's env with Ray's TLS variables", () => {
    const p = planLab({ name: "raycluster-tls", namespace: "default", workers: 2, mode: "loopback", dir: "/x" });
    expect(p.pods.map((x) => [x.name, x.ip])).toEqual([["head", "127.0.0.2"], ["worker-1", "127.0.0.3"], ["worker-2", "127.0.0.4"]]);
    expect(p.headFqdn).toBe("raycluster-tls-head-svc.default.svc.cluster.local");
    const w = p.pods[1]!.env;
    expect(w).toMatchObject({
      RAY_USE_TLS: "1",
      RAY_TLS_SERVER_CERT: "/x/pods/worker-1/tls/tls.crt",
      RAY_TLS_SERVER_KEY: "/x/pods/worker-1/tls/tls.key",
      RAY_TLS_CA_CERT: "/x/pods/worker-1/tls/ca.crt",
      POD_IP: "127.0.0.3",
      RAY_ADDRESS: "raycluster-tls-head-svc.default.svc.cluster.local:6379",
      RAYTLS_HOSTS: "raycluster-tls-head-svc.default.svc.cluster.local=127.0.0.2,raycluster-tls-head-svc=127.0.0.2",
    });
    // The head listens on its own 127.0.0.2 only (issue 11: 127.0.0.1 reached nothing).
    expect(p.pods[0]!.env.RAY_ADDRESS).toBe("127.0.0.2:6379");
  });

  it("netns: prefixed namespaces, 10.244.0.0/24, no hosts override (the pod's /etc/hosts does it)", () => {
    const p = planLab({ name: "demo", namespace: "ray", workers: 1, mode: "netns", dir: "/x", port: 7000 });
    expect(p.bridgeNetns).toBe("raytls-demo-net");
    expect(p.pods.map((x) => x.netns)).toEqual(["raytls-demo-head", "raytls-demo-worker-1"]);
    expect(p.pods.every((x) => x.netns!.startsWith(netnsPrefix("demo")))).toBe(true);
    expect(p.pods[1]!.ip).toBe("10.244.0.3");
    expect(p.pods[1]!.env.RAYTLS_HOSTS).toBeUndefined();
    expect(p.pods[1]!.env.RAY_ADDRESS).toBe("demo-head-svc.ray.svc.cluster.local:7000");
    // In its own namespace the head listens on every address, 127.0.0.1 included, as in a pod.
    expect(p.pods[0]!.env.RAY_ADDRESS).toBe("127.0.0.1:7000");
  });

  it("more pods than the /24 holds from the first address: a bad-input RaytlsError naming workers (exit 2)", () => {
    const plan = () => planLab({ name: "x", namespace: "default", workers: 5, mode: "loopback", dir: "/x", loopbackBase: "127.0.0.251" });
    expect(plan).toThrow(RaytlsError);
    try {
      plan();
    } catch (err) {
      expect(err).toMatchObject({ code: "too-many-pods", field: "workers", exitCode: 2 });
      expect((err as RaytlsError).message).toBe("workers: worker 4 would need address 127.0.0.255, past .254 of 127.0.0.251's /24");
      expect((err as RaytlsError).hint).toMatch(/at most 3 workers/);
    }
    // The last address that fits is taken.
    expect(planLab({ name: "x", namespace: "default", workers: 3, mode: "loopback", dir: "/x", loopbackBase: "127.0.0.251" }).pods.at(-1)!.ip).toBe("127.0.0.254");
  });
});
