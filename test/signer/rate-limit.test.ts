/**
 * Per-token issuance rate limit (issue 13): a token bucket per role token, 429 with Retry-After
 * when it is empty, and a client that waits at least that long. The defaults must never hurt a
 * cluster start: 1,000 workers asking at once all get a certificate on their first attempt.
 */
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createCsr } from "../../src/pki/csr.js";
import { parseRetryAfter, requestCertificate } from "../../src/signer/client.js";
import { TokenBuckets } from "../../src/signer/rate-limit.js";
import { runCli } from "../helpers/cli.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { startTestSigner, WORKER, type SignerFixture } from "./signer-fixture.js";

const started: SignerFixture[] = [];
afterAll(async () => {
  for (const f of started) await f.signer.close();
});

describe("token buckets", () => {
  it("the defaults give 2,000 at once, then 10/s; Retry-After is whole seconds until the next", () => {
    let t = 0;
    const b = new TokenBuckets<"worker" | "head">({ clock: () => t });
    let taken = 0;
    while (b.take("worker") === 0) taken++;
    expect(taken).toBe(2000);
    expect(b.retryAfter("worker")).toBe(1);
    expect(b.retryAfter("head")).toBe(0); // each token has its own bucket
    t += 50;
    expect(b.take("worker")).toBe(1); // half a certificate refilled is not one
    t += 50;
    expect(b.take("worker")).toBe(0);
    expect(b.take("worker")).toBe(1);
    const slow = new TokenBuckets<"w">({ burst: 1, perSecond: 0.2, clock: () => t });
    expect(slow.take("w")).toBe(0);
    expect(slow.take("w")).toBe(5);
  });

  it("Retry-After is read as seconds or as an HTTP date", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:28:05 GMT", Date.parse("Wed, 21 Oct 2015 07:28:00 GMT"))).toBe(5000);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe("the signer's rate limit", () => {
  const tmp = useTempDir("raytls-rate-", { each: true });
  it("past the burst: 429 with Retry-After, audited; the client waits at least that long and then gets its certificate", async () => {
    const f = await startTestSigner({ limits: { tokenBurst: 2, tokenRate: 0.5 } });
    started.push(f);
    const ask = async (onRetry?: (i: { delayMs: number; why: string }) => void) =>
      requestCertificate({ url: f.signer.url, token: WORKER, caCertPem: f.caCertPem, role: "worker", csrPem: (await createCsr({ role: "worker", podIp: "127.0.0.1" })).csrPem, retrySeconds: 20, ...(onRetry ? { onRetry } : {}) });
    expect((await ask()).attempts).toBe(1);
    expect((await ask()).attempts).toBe(1);
    const retries: Array<{ delayMs: number; why: string }> = [];
    const t0 = Date.now();
    const third = await ask((i) => void retries.push(i));
    expect(third.attempts).toBe(2);
    expect(retries).toHaveLength(1);
    expect(retries[0]!.why).toMatch(/^HTTP 429: the worker token has had its share of certificates for now; retry in 2 s/);
    expect(retries[0]!.delayMs).toBeGreaterThanOrEqual(2000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2000);
    expect(f.audit.records.filter((r) => r.status === 429)).toEqual([expect.objectContaining({ decision: "refused", role: "worker", reason: expect.stringMatching(/retry in 2 s/) })]);
    expect(f.audit.records.filter((r) => r.decision === "issued")).toHaveLength(3);
  });

  it("pod-cert --signer waits out a 429 (Retry-After) and then writes its files", async () => {
    const f = await startTestSigner({ limits: { tokenBurst: 1, tokenRate: 1 } });
    started.push(f);
    const dir = tmp.dir;
    writeFileSync(path.join(dir, "ca.crt"), f.caCertPem);
    writeFileSync(path.join(dir, "worker.token"), WORKER);
    const podCert = (out: string) => runCli(["pod-cert", "--role", "worker", "--signer", f.signer.url, "--ca-cert", "ca.crt", "--token-file", "worker.token", "--retry-seconds", "10", "--out", out], { cwd: dir, env: { POD_IP: "127.0.0.1" } });
    expect((await podCert("a")).code).toBe(0);
    const t0 = Date.now();
    const b = await podCert("b");
    expect(b.code, b.err).toBe(0);
    expect(b.err).toMatch(/waiting for the signer \(HTTP 429: the worker token has had its share of certificates for now; retry in 1 s\); attempt 2 in (1\.[0-9]|2\.[0-9]) s/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(existsSync(path.join(dir, "b/tls.crt"))).toBe(true);
  });

  it("a Retry-After past --retry-seconds fails at once with what to change", async () => {
    const f = await startTestSigner({ limits: { tokenBurst: 1, tokenRate: 0.01 } });
    started.push(f);
    const csr = async () => (await createCsr({ role: "worker", podIp: "127.0.0.1" })).csrPem;
    await requestCertificate({ url: f.signer.url, token: WORKER, caCertPem: f.caCertPem, role: "worker", csrPem: await csr(), retrySeconds: 5 });
    // At once: no wait and no second attempt (the client's own sleep and retry hooks are never called).
    const waits: number[] = [];
    const retries: number[] = [];
    const second = requestCertificate({ url: f.signer.url, token: WORKER, caCertPem: f.caCertPem, role: "worker", csrPem: await csr(), retrySeconds: 5, sleep: async (ms) => void waits.push(ms), onRetry: (r) => retries.push(r.attempt) });
    await expect(second).rejects.toMatchObject({ code: "signer-busy", message: expect.stringMatching(/asks to wait 100 s .*past the 5 s of --retry-seconds/) });
    expect({ waits, retries }).toEqual({ waits: [], retries: [] });
    expect(f.audit.records.filter((r) => r.status === 429)).toHaveLength(1);
  });

  it("with the defaults, 1,000 workers at once from 64 clients all get a certificate on the first attempt", async () => {
    const f = await startTestSigner();
    started.push(f);
    const csrs = await Promise.all(Array.from({ length: 1000 }, async () => (await createCsr({ role: "worker", podIp: "127.0.0.1" })).csrPem));
    let next = 0;
    const attempts: number[] = [];
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < csrs.length) {
          const csrPem = csrs[next++]!;
          attempts.push((await requestCertificate({ url: f.signer.url, token: WORKER, caCertPem: f.caCertPem, role: "worker", csrPem, retrySeconds: 30 })).attempts);
        }
      }),
    );
    expect(attempts).toHaveLength(1000);
    expect(attempts.filter((a) => a !== 1)).toEqual([]);
    expect(f.audit.records.filter((r) => r.decision === "issued")).toHaveLength(1000);
  });

  it("signer serve: bad limit flags exit 2 and name the flag", async () => {
    const r = await runCli(["signer", "serve", "--ca-dir", "ca", "--listen", "127.0.0.1:0", "--head-token-file", "h", "--worker-token-file", "w", "--head-fqdn", "x.example", "--token-rate", "fast"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--token-rate: "fast" is not a number from 0 to 1000000/);
    const c = await runCli(["signer", "serve", "--ca-dir", "ca", "--listen", "127.0.0.1:0", "--head-token-file", "h", "--worker-token-file", "w", "--head-fqdn", "x.example", "--max-connections-per-ip", "0"]);
    expect(c.code).toBe(2);
    expect(c.err).toMatch(/--max-connections-per-ip: "0" is not a whole number from 1/);
  });
});
