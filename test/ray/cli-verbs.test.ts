/**
 * The `health-check` and `node` verbs in-process (runCli): exit codes
 * 0/1/2, --json, and Ray's refusal when RAY_USE_TLS=1 lacks a variable.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHead, type RunningHead } from "../../src/ray/head-node.js";
import { readTlsFiles } from "../../src/ray/tls-material.js";
import { runCli } from "../helpers/cli.js";
import { makePki, FQDN, SHORT, type PkiFixture } from "./pki-fixture.js";

let pki: PkiFixture;
let head: RunningHead;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  pki = await makePki();
  head = await startHead({ host: "127.0.0.1", port: 0, tls: await readTlsFiles({ certFile: pki.head.cert, keyFile: pki.head.key, caFile: pki.caCert }) });
  env = {
    RAY_USE_TLS: "1",
    RAY_TLS_SERVER_CERT: pki.worker.cert,
    RAY_TLS_SERVER_KEY: pki.worker.key,
    RAY_TLS_CA_CERT: pki.caCert,
    RAYTLS_HOSTS: `${FQDN}=127.0.0.1,${SHORT}=127.0.0.1`,
  };
});
afterAll(async () => {
  await head?.close();
  pki?.cleanup();
});

describe("raytls health-check (CLI)", () => {
  it("exit 0 by FQDN, with a one-line summary on stdout", async () => {
    const c = await runCli(["health-check", "--address", `${FQDN}:${head.port}`], { env });
    expect(c.code).toBe(0);
    expect(c.out).toMatch(/^healthy: .*GetClusterId \+ InternalKVGet; Ray 2\.52\.0; mutual TLS/);
  });

  it("exit 1 by short name: gRPC's words first, then the facts, on stdout (the verdict is the result, issue 11); --json has the same", async () => {
    const c = await runCli(["health-check", "--address", `${SHORT}:${head.port}`], { env });
    expect(c.code).toBe(1);
    expect(c.out.split("\n")[0]).toBe(`unhealthy: ${SHORT}:${head.port}: Peer name ${SHORT} is not in peer certificate`);
    expect(c.out).toContain("server certificate SANs: DNS:localhost, DNS:" + FQDN);
    expect(c.out).toContain("the server demands a client certificate");
    expect(c.err).toBe("");
    const j = await runCli(["health-check", "--address", `${SHORT}:${head.port}`, "--json"], { env });
    expect(j.code).toBe(1);
    const r = JSON.parse(j.out);
    expect(r.failure.kind).toBe("peer-name");
    expect(r.probe.serverCert.sans).toContain(`DNS:${FQDN}`);
  });

  it("flags override the environment; --ray-version mismatch is exit 1 in Ray's words", async () => {
    const c = await runCli(["health-check", "--address", `127.0.0.1:${head.port}`, "--ca-cert", pki.caCert, "--cert", pki.worker.cert, "--key", pki.worker.key, "--ray-version", "2.40.0"]);
    expect(c.code).toBe(1);
    expect(c.out).toContain("Ray version mismatch: cluster has Ray version 2.52.0 but local Ray version is 2.40.0");
  });

  it("exit 2 on bad usage", async () => {
    for (const args of [["health-check"], ["health-check", "--address", "nohost"], ["health-check", "--address", "h:1", "--protocol", "x"], ["health-check", "--address", "h:1", "--timeout", "-1"]]) {
      expect((await runCli(args)).code, args.join(" ")).toBe(2);
    }
    const c = await runCli(["health-check", "--address", "h:1"], { env: { RAY_USE_TLS: "1" } });
    expect(c.code).toBe(2);
    expect(c.err).toContain("If the environment variable RAY_USE_TLS is set to true then RAY_TLS_SERVER_CERT, RAY_TLS_SERVER_KEY and RAY_TLS_CA_CERT must also be set.");
  });
});

describe("raytls node (CLI)", () => {
  it("refuses to start with RAY_USE_TLS=1 and a missing variable, in Ray's words (exit 2)", async () => {
    const c = await runCli(["node", "--role", "head", "--port", "0"], { env: { RAY_USE_TLS: "true", RAY_TLS_SERVER_CERT: pki.head.cert } });
    expect(c.code).toBe(2);
    expect(c.err).toContain("If the environment variable RAY_USE_TLS is set to true then RAY_TLS_SERVER_CERT, RAY_TLS_SERVER_KEY and RAY_TLS_CA_CERT must also be set.");
  });

  it("rejects an unknown role and a worker without a pod IP (exit 2)", async () => {
    expect((await runCli(["node", "--role", "gcs"])).code).toBe(2);
    expect((await runCli(["node", "--role", "worker", "--address", "127.0.0.1:1"])).code).toBe(2);
  });
});
