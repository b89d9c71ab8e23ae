/**
 * The `health-check` and `node` verbs in-process (main() with a captured context): exit codes
 * 0/1/2, --json, and Ray's refusal when RAY_USE_TLS=1 lacks a variable.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { CliContext } from "../../src/cli/context.js";
import { startHead, type RunningHead } from "../../src/ray/head-node.js";
import { readTlsFiles } from "../../src/ray/tls-material.js";
import { makePki, FQDN, SHORT, type PkiFixture } from "./pki-fixture.js";

function ctxWith(env: NodeJS.ProcessEnv): CliContext & { stdout: string; stderr: string } {
  const c = { stdout: "", stderr: "", env, cwd: process.cwd(), exitCode: 0, color: false } as CliContext & { stdout: string; stderr: string };
  c.out = (t) => void (c.stdout += t);
  c.err = (t) => void (c.stderr += t);
  return c;
}

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
    const c = ctxWith(env);
    expect(await main(["health-check", "--address", `${FQDN}:${head.port}`], c)).toBe(0);
    expect(c.stdout).toMatch(/^healthy: .*GetClusterId \+ InternalKVGet; Ray 2\.52\.0; mutual TLS/);
  });

  it("exit 1 by short name: gRPC's words first, then the facts, on stdout (the verdict is the result, issue 11); --json has the same", async () => {
    const c = ctxWith(env);
    expect(await main(["health-check", "--address", `${SHORT}:${head.port}`], c)).toBe(1);
    expect(c.stdout.split("\n")[0]).toBe(`unhealthy: ${SHORT}:${head.port}: Peer name ${SHORT} is not in peer certificate`);
    expect(c.stdout).toContain("server certificate SANs: DNS:localhost, DNS:" + FQDN);
    expect(c.stdout).toContain("the server demands a client certificate");
    expect(c.stderr).toBe("");
    const j = ctxWith(env);
    expect(await main(["health-check", "--address", `${SHORT}:${head.port}`, "--json"], j)).toBe(1);
    const r = JSON.parse(j.stdout);
    expect(r.failure.kind).toBe("peer-name");
    expect(r.probe.serverCert.sans).toContain(`DNS:${FQDN}`);
  });

  it("flags override the environment; --ray-version mismatch is exit 1 in Ray's words", async () => {
    const c = ctxWith({});
    const code = await main(["health-check", "--address", `127.0.0.1:${head.port}`, "--ca-cert", pki.caCert, "--cert", pki.worker.cert, "--key", pki.worker.key, "--ray-version", "2.40.0"], c);
    expect(code).toBe(1);
    expect(c.stdout).toContain("Ray version mismatch: cluster has Ray version 2.52.0 but local Ray version is 2.40.0");
  });

  it("exit 2 on bad usage", async () => {
    for (const args of [["health-check"], ["health-check", "--address", "nohost"], ["health-check", "--address", "h:1", "--protocol", "x"], ["health-check", "--address", "h:1", "--timeout", "-1"]]) {
      const c = ctxWith({});
      expect(await main(args, c), args.join(" ")).toBe(2);
    }
    const c = ctxWith({ RAY_USE_TLS: "1" });
    expect(await main(["health-check", "--address", "h:1"], c)).toBe(2);
    expect(c.stderr).toContain("If the environment variable RAY_USE_TLS is set to true then RAY_TLS_SERVER_CERT, RAY_TLS_SERVER_KEY and RAY_TLS_CA_CERT must also be set.");
  });
});

describe("raytls node (CLI)", () => {
  it("refuses to start with RAY_USE_TLS=1 and a missing variable, in Ray's words (exit 2)", async () => {
    const c = ctxWith({ RAY_USE_TLS: "true", RAY_TLS_SERVER_CERT: pki.head.cert });
    expect(await main(["node", "--role", "head", "--port", "0"], c)).toBe(2);
    expect(c.stderr).toContain("If the environment variable RAY_USE_TLS is set to true then RAY_TLS_SERVER_CERT, RAY_TLS_SERVER_KEY and RAY_TLS_CA_CERT must also be set.");
  });

  it("rejects an unknown role and a worker without a pod IP (exit 2)", async () => {
    expect(await main(["node", "--role", "gcs"], ctxWith({}))).toBe(2);
    expect(await main(["node", "--role", "worker", "--address", "127.0.0.1:1"], ctxWith({}))).toBe(2);
  });
});
