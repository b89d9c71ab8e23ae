/**
 * The audit log under attack (issue 13): a 401 flood was logged line for line (about 3,900
 * lines/s), a 500 was not logged at all, and the file was opened through symlinks and left at
 * whatever mode it had. Now refusals from one address past a rate become one summary line per
 * window, a 500 is logged, a symlink at the path is refused and the file is kept 0600.
 *
 * RAYTLS_FLOOD_REQUESTS and RAYTLS_AUDIT_WINDOW_SECONDS (defaults 400 and 60) size the flood
 * test. It counts requests, not seconds, and bounds the lines by the windows that really passed,
 * so a loaded machine makes it slower, never red (it once failed under load when it flooded for a
 * fixed 3 s and assumed how many windows that spanned). `RAYTLS_FLOOD_REQUESTS=2082
 * RAYTLS_AUDIT_WINDOW_SECONDS=10` is the flood docs/signer.md reports, with the signer's default window.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, linkSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fileAuditSink, memoryAuditSink, type AuditRecord } from "../../src/signer/audit.js";
import { summarizingAuditSink } from "../../src/signer/audit-summary.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { createCsr } from "../../src/pki/csr.js";
import { requestCertificate } from "../../src/signer/client.js";
import { readUntilClose, signRequestText, startTestSigner, tlsConnect, WORKER, type SignerFixture } from "./signer-fixture.js";

const dir = useTempDir("raytls-audit-").dir;
const lines = (file: string): AuditRecord[] => readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as AuditRecord);

/** One POST /v1/sign with a bad token from `localAddress`, on its own connection: the status. */
function badTokenRequest(f: SignerFixture, localAddress: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(`${f.signer.url}/v1/sign`, { method: "POST", ca: f.caCertPem, agent: false, localAddress, headers: { authorization: "Bearer not-a-signer-token-xxxx", "content-type": "application/json" } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", () => resolve(0));
    req.end("{}");
  });
}

describe("audit log: refusal floods are summarised (issue 13)", () => {
  it("a 401 flood from one address yields a bounded number of lines, and every refusal is counted", async () => {
    const requests = Number(process.env.RAYTLS_FLOOD_REQUESTS ?? 400);
    const windowMs = Number(process.env.RAYTLS_AUDIT_WINDOW_SECONDS ?? 60) * 1000;
    const file = path.join(dir, "flood.log");
    const sink = await fileAuditSink(file);
    const t0 = Date.now();
    const f = await startTestSigner({ audit: sink, limits: { auditWindowMs: windowMs } });
    let sent = 0;
    let refused401 = 0;
    let good: Promise<unknown> | undefined;
    // Eight concurrent loops from 127.0.0.2 (the attacker); one good request from 127.0.0.3 in the middle.
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (sent < requests) {
          if (++sent === Math.ceil(requests / 2)) good = requestCertificate({ url: f.signer.url, token: WORKER, caCertPem: f.caCertPem, role: "worker", csrPem: (await createCsr({ role: "worker", podIp: "127.0.0.3" })).csrPem, localAddress: "127.0.0.3", retrySeconds: 0 });
          if ((await badTokenRequest(f, "127.0.0.2")) === 401) refused401++;
        }
      }),
    );
    await good;
    await f.signer.close(); // flushes the last window's summary
    // Every window that began while the signer ran may hold 10 lines from one address and a summary.
    const windows = Math.floor((Date.now() - t0) / windowMs) + 2;
    const records = lines(file);
    const bytes = statSync(file).size;
    const summaries = records.filter((r) => r.decision === "summary");
    const individual = records.filter((r) => r.decision === "refused" && r.status === 401);
    const counted = individual.length + summaries.reduce((n, r) => n + (r.count ?? 0), 0);
    console.log(
      `audit flood: ${requests} requests with a bad token from 127.0.0.2 in ${((Date.now() - t0) / 1000).toFixed(1)} s (window ${windowMs / 1000} s), ${refused401} answered 401; ` +
        `${records.length} audit lines (${individual.length} one by one, ${summaries.length} summaries), ${bytes} bytes; summary: ${JSON.stringify(summaries[0])}`,
    );
    expect(refused401).toBe(requests);
    expect(individual.length).toBeLessThanOrEqual(windows * 10);
    expect(summaries.length).toBeLessThanOrEqual(windows);
    expect(records.filter((r) => r.decision === "issued").map((r) => r.peerIp)).toEqual(["127.0.0.3"]);
    expect(counted).toBe(refused401);
    expect(summaries.every((s) => s.peerIp === "127.0.0.2" && s.statuses?.["401"] === s.count && typeof s.since === "string")).toBe(true);
  });

  it("another address's refusals are still logged one by one during a flood", async () => {
    const audit = memoryAuditSink();
    const f = await startTestSigner({ audit, limits: { auditWindowMs: 60_000 } });
    for (let i = 0; i < 30; i++) await badTokenRequest(f, "127.0.0.2");
    for (let i = 0; i < 3; i++) await badTokenRequest(f, "127.0.0.4");
    await f.signer.close();
    expect(audit.records.filter((r) => r.peerIp === "127.0.0.4" && r.decision === "refused")).toHaveLength(3);
    expect(audit.records.filter((r) => r.peerIp === "127.0.0.2" && r.decision === "refused")).toHaveLength(10);
    expect(audit.records.find((r) => r.decision === "summary")).toMatchObject({ peerIp: "127.0.0.2", count: 20, statuses: { "401": 20 } });
  });

  it("the bounds hold with many addresses: per address, in all, and past the addresses counted one by one", async () => {
    const inner = memoryAuditSink();
    const sink = summarizingAuditSink(inner, { perSource: 2, total: 5, maxSources: 3, windowMs: 1e9, now: () => 0 });
    for (const ip of ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"]) for (let i = 0; i < 4; i++) sink.write({ time: "t", peerIp: ip, decision: "refused", status: 401 });
    sink.write({ time: "t", peerIp: "10.0.0.9", decision: "issued", status: 200, serial: "ab" });
    await sink.close();
    expect(inner.records.filter((r) => r.decision === "refused").map((r) => r.peerIp)).toEqual(["10.0.0.1", "10.0.0.1", "10.0.0.2", "10.0.0.2", "10.0.0.3"]);
    expect(inner.records.filter((r) => r.decision === "issued")).toHaveLength(1);
    expect(inner.records.filter((r) => r.decision === "summary").map((r) => [r.peerIp, r.count])).toEqual([["10.0.0.1", 2], ["10.0.0.2", 2], ["10.0.0.3", 3], ["*", 8]]);
  });

  it("a 500 is logged", async () => {
    const audit = memoryAuditSink();
    // A clock that cannot be read: the signer fails on the request (HTTP 500), and says so in the log.
    const f = await startTestSigner({ audit, now: () => new Date(Number.NaN) });
    const req = await signRequestText("127.0.0.1", WORKER, "Connection: close\r\n");
    const { connect } = await import("node:tls");
    const text = await new Promise<string>((resolve) => {
      const s = connect({ host: "127.0.0.1", port: f.signer.port, ca: f.caCertPem, servername: "localhost" }, () => s.write(req));
      let t = "";
      s.on("data", (c) => (t += c));
      s.on("close", () => resolve(t));
      s.on("error", () => undefined);
    });
    await f.signer.close();
    expect(text).toMatch(/^HTTP\/1\.1 500 /);
    expect(audit.records).toHaveLength(1);
    expect(audit.records[0]).toMatchObject({ decision: "error", status: 500, peerIp: "127.0.0.1", reason: expect.stringMatching(/internal error: .*Invalid time value/) });
  });
});

describe("audit log that cannot be written", () => {
  it("the signer answers 503 and issues nothing while its sink reports a failure", async () => {
    const inner = memoryAuditSink();
    let broken: string | undefined = "the audit log /x cannot be written: ENOSPC: no space left on device";
    const f = await startTestSigner({ audit: { ...inner, failure: () => broken } });
    const req = await signRequestText("127.0.0.1", WORKER);
    const ask = async () => {
      const s = await tlsConnect(f);
      const reading = readUntilClose(s, 5000);
      s.write(req);
      return (await reading).text;
    };
    expect(await ask()).toMatch(/^HTTP\/1\.1 503 [\s\S]*"error":"audit-log"/);
    broken = undefined;
    expect(await ask()).toMatch(/^HTTP\/1\.1 200 /);
    await f.signer.close();
    expect(inner.records.map((r) => [r.decision, r.status])).toEqual([["error", 503], ["issued", 200]]);
  });
});

describe("audit log file (issue 13)", () => {
  it("a symlink at the path is refused, and the file it points to is untouched", async () => {
    const target = path.join(dir, "elsewhere.txt");
    writeFileSync(target, "precious\n");
    const link = path.join(dir, "link.log");
    symlinkSync(target, link);
    await expect(fileAuditSink(link)).rejects.toThrow(/link\.log: is a symbolic link; the audit log is never opened through one/);
    expect(readFileSync(target, "utf8")).toBe("precious\n");
  });

  it("a new log is 0600; an existing one with a wider mode is set back to 0600 and says so", async () => {
    const fresh = path.join(dir, "fresh.log");
    const a = await fileAuditSink(fresh);
    a.write({ time: "t", peerIp: "127.0.0.1", decision: "refused", status: 401 });
    await a.close();
    expect(statSync(fresh).mode & 0o777).toBe(0o600);
    expect(a.notice).toBeUndefined();
    const wide = path.join(dir, "wide.log");
    writeFileSync(wide, "");
    chmodSync(wide, 0o644);
    const b = await fileAuditSink(wide);
    b.write({ time: "t", peerIp: "127.0.0.1", decision: "refused", status: 401 });
    await b.close();
    expect(statSync(wide).mode & 0o777).toBe(0o600);
    expect(b.notice).toMatch(/had mode 0644; it is now 0600/);
    expect(lines(wide)).toHaveLength(1);
  });

  it("a FIFO, a directory or a file with another hard link is refused (no hang)", async () => {
    const fifo = path.join(dir, "fifo.log");
    execFileSync("mkfifo", [fifo]);
    // Opened non-blocking: with no reader the open fails (ENXIO) instead of waiting for one.
    await expect(fileAuditSink(fifo)).rejects.toThrow(/fifo\.log: (is not a regular file|cannot open: ENXIO)/);
    await expect(fileAuditSink(dir)).rejects.toThrow(/--audit-log/);
    const orig = path.join(dir, "orig.log");
    writeFileSync(orig, "", { mode: 0o600 });
    linkSync(orig, path.join(dir, "second-link.log"));
    await expect(fileAuditSink(orig)).rejects.toThrow(/has 2 hard links/);
    expect(existsSync(orig)).toBe(true);
  });
});
