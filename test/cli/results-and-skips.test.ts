/**
 * Issue 11, quiet skips and streams: verify on a bundle with the CA first says the pod certificate
 * must come first and where it is (one FAIL, not three unrelated ones); `bench --list --json`
 * prints JSON; the verdicts of verify, env check and health-check go to stdout.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { useTempDir } from "../helpers/temp-dir.js";

const t = useTempDir("raytls-results-");

describe("verify on a bundle with the CA first", () => {
  it("one FAIL that names where the pod certificate is, on stdout, exit 1; leaf first passes", async () => {
    expect((await runCli(["ca", "create", "--out", "ca"], { cwd: t.dir })).code).toBe(0);
    expect((await runCli(["pod-cert", "--role", "worker", "--pod-ip", "10.0.0.7", "--ca-dir", "ca", "--out", "tls"], { cwd: t.dir })).code).toBe(0);
    const ca = readFileSync(path.join(t.dir, "ca/ca.crt"), "utf8");
    const leaf = readFileSync(path.join(t.dir, "tls/tls.crt"), "utf8");
    writeFileSync(path.join(t.dir, "wrong.pem"), ca + leaf);
    writeFileSync(path.join(t.dir, "right.pem"), leaf + ca);
    const wrong = await runCli(["verify", "--ca-cert", "ca/ca.crt", "--cert", "wrong.pem", "--host", "10.0.0.7"], { cwd: t.dir });
    expect(wrong.code).toBe(1);
    const caLines = ca.trim().split("\n").length;
    expect(wrong.out).toBe(
      `FAIL  order: wrong.pem: the first certificate is a CA (CN=raytls CA, O=raytls); the pod certificate must come first, and it is certificate 2 of 2 (CN=10.0.0.7, OU=worker, O=raytls, line ${caLines + 1})\n` +
        "      hint: put the pod certificate first, then any intermediates (Ray and gRPC present the first one); the CA belongs in --ca-cert\n" +
        "wrong.pem: 1 problem(s)\n",
    );
    expect(wrong.err).toBe("");
    const json = await runCli(["verify", "--ca-cert", "ca/ca.crt", "--cert", "wrong.pem", "--json"], { cwd: t.dir });
    expect(JSON.parse(json.out)).toMatchObject({ ok: false, checks: [{ check: "order", ok: false }] });
    const right = await runCli(["verify", "--ca-cert", "ca/ca.crt", "--cert", "right.pem", "--host", "10.0.0.7"], { cwd: t.dir });
    expect(right.code, right.out).toBe(0);
  });
});

describe("bench --list", () => {
  it("--json prints a JSON array of the scenario names; text lists one per line", async () => {
    const j = await runCli(["bench", "--list", "--json"]);
    expect(j.code).toBe(0);
    const names = JSON.parse(j.out) as string[];
    expect(names).toEqual(expect.arrayContaining(["pod-cert", "signer", "health-check", "grpc", "head-load"]));
    expect((await runCli(["bench", "--list"])).out).toBe(names.join("\n") + "\n");
  });
});
