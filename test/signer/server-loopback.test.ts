/**
 * The signer over real HTTPS on 127.0.0.1: `pod-cert --signer` end to end, refusals with nothing
 * written, and the HTTP handling (bad JSON, oversized body, an idle client does not block others).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import { request } from "node:https";
import { connect, type TLSSocket } from "node:tls";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCa } from "../../src/pki/ca.js";
import { loadCa } from "../../src/pki/ca.js";
import { createCsr } from "../../src/pki/csr.js";
import { memoryAuditSink } from "../../src/signer/audit.js";
import { requestCertificate } from "../../src/signer/client.js";
import { startSigner, type RunningSigner, type SignerLimits } from "../../src/signer/server.js";
import { runCli } from "../helpers/cli.js";
import { freePort } from "../helpers/ports.js";
import { useTempDir } from "../helpers/temp-dir.js";

const FQDN = "rc-head-svc.default.svc.cluster.local";
const HEAD = "head-token-abcdefghijklmnop";
const WORKER = "worker-token-abcdefghijklmnop";
const tmp = useTempDir("raytls-signer-");
const dir = tmp.dir;
const audit = memoryAuditSink();
let signer: RunningSigner;
let caCertPem = "";
let caKeyPem = "";

beforeAll(async () => {
  const ca = await createCa({ subject: "/CN=signer test CA" });
  caCertPem = ca.certPem;
  caKeyPem = ca.keyPem;
  writeFileSync(path.join(dir, "ca.crt"), ca.certPem);
  writeFileSync(path.join(dir, "head.token"), HEAD + "\n");
  writeFileSync(path.join(dir, "worker.token"), WORKER + "\n");
  writeFileSync(path.join(dir, "bad.token"), "not-a-signer-token-xxxxxxxx\n");
  signer = await startSigner({
    ca: loadCa(ca.certPem, ca.keyPem), host: "127.0.0.1", port: 0, headToken: HEAD, workerToken: WORKER, headFqdn: FQDN, headDns: ["rc-head-svc"],
    audit, limits: { idleTimeoutMs: 800, headersTimeoutMs: 800, requestTimeoutMs: 1500 },
  });
});
afterAll(async () => {
  await signer?.close();
});

const podCert = (args: string[], env: NodeJS.ProcessEnv = { POD_IP: "127.0.0.1" }) =>
  runCli(["pod-cert", "--signer", signer.url, "--ca-cert", "ca.crt", "--retry-seconds", "2", ...args], { cwd: dir, env });

function raw(o: { method?: string; path?: string; body?: string | Buffer; headers?: Record<string, string | number> }, url = signer.url): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${o.path ?? "/v1/sign"}`, { method: o.method ?? "POST", ca: caCertPem, agent: false, headers: o.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, json: JSON.parse(Buffer.concat(chunks).toString() || "null") }));
    });
    req.on("error", reject);
    req.end(o.body);
  });
}

/** A client that starts a request and never finishes its headers; `reply` is all it got back. */
async function slowloris(port: number): Promise<{ socket: TLSSocket; closed: () => boolean; reply: Promise<string> }> {
  const socket = connect({ host: "127.0.0.1", port, ca: caCertPem });
  socket.on("error", () => undefined);
  await new Promise<void>((r) => socket.once("secureConnect", () => r()));
  socket.write("POST /v1/sign HTTP/1.1\r\nHost: x\r\n"); // headers never finished
  let text = "";
  let closed = false;
  socket.on("data", (d: Buffer) => (text += d.toString("latin1")));
  const reply = new Promise<string>((r) =>
    socket.once("close", () => {
      closed = true;
      r(text);
    }),
  );
  return { socket, closed: () => closed, reply };
}

describe("pod-cert --signer on loopback", () => {
  it("a worker and a head get certificates built from policy; the key never leaves; the audit log has no key material", async () => {
    const w = await podCert(["--role", "worker", "--token-file", "worker.token", "--out", "w"]);
    expect(w.code, w.err).toBe(0);
    expect(w.out).toContain("for DNS:localhost, IP:127.0.0.1");
    const cert = new X509Certificate(readFileSync(path.join(dir, "w/tls.crt")));
    expect(cert.subjectAltName).toBe("DNS:localhost, IP Address:127.0.0.1");
    expect(cert.checkIssued(new X509Certificate(caCertPem))).toBe(true);
    expect(readFileSync(path.join(dir, "w/ca.crt"), "utf8")).toBe(caCertPem);
    const h = await podCert(["--role", "head", "--head-fqdn", FQDN, "--dns", "rc-head-svc", "--token-file", "head.token", "--out", "h", "--json"]);
    expect(h.code, h.err).toBe(0);
    expect(JSON.parse(h.out).sans).toEqual(["DNS:localhost", `DNS:${FQDN}`, "DNS:rc-head-svc", "IP:127.0.0.1"]);
    const issued = audit.records.filter((r) => r.decision === "issued");
    expect(issued.length).toBeGreaterThanOrEqual(2);
    const text = JSON.stringify(audit.records);
    expect(text).not.toMatch(/PRIVATE KEY|CERTIFICATE REQUEST|token-abc/);
    expect(issued[0]).toMatchObject({ peerIp: "127.0.0.1", role: "worker", status: 200, serial: expect.stringMatching(/^[0-9a-f]+$/) });
  });

  it("refusals exit 1 with the signer's reason and write nothing: bad token, worker token for head, extra IP, extra DNS", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["--role", "worker", "--token-file", "bad.token"], /HTTP 401 bad-token\): the bearer token is not a signer token/],
      [["--role", "head", "--head-fqdn", FQDN, "--token-file", "worker.token"], /HTTP 403 wrong-role\): this token grants the worker role, not head/],
      [["--role", "worker", "--ip", "10.9.9.9", "--token-file", "worker.token"], /HTTP 403 policy\).*IP:10\.9\.9\.9/],
      [["--role", "head", "--head-fqdn", FQDN, "--dns", "evil.example.com", "--token-file", "head.token"], /HTTP 403 policy\).*DNS:evil\.example\.com/],
    ];
    for (const [i, [args, message]] of cases.entries()) {
      const r = await podCert([...args, "--out", `refused-${i}`]);
      expect(r.code, r.err).toBe(1);
      expect(r.err).toMatch(message);
      // Never retried: a retry prints "waiting for the signer (...); attempt 2 in ..." first.
      expect(r.err).not.toMatch(/waiting for the signer|attempt 2/);
      expect(existsSync(path.join(dir, `refused-${i}`))).toBe(false);
    }
    expect(audit.records.filter((r) => r.decision === "refused").map((r) => r.status)).toEqual(expect.arrayContaining([401, 403]));
  });

  it("bad usage exits 2: CA key flags with --signer, missing --token-file, http URL", async () => {
    const a = await podCert(["--role", "worker", "--token-file", "worker.token", "--ca-dir", "x", "--out", "u1"]);
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/--signer cannot be combined with --ca-dir/);
    const b = await podCert(["--role", "worker", "--out", "u2"]);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/--signer needs --token-file/);
    const c = await runCli(["pod-cert", "--role", "worker", "--signer", "http://127.0.0.1:1", "--token-file", "worker.token", "--ca-cert", "ca.crt"], { cwd: dir, env: { POD_IP: "127.0.0.1" } });
    expect(c.code).toBe(2);
    expect(c.err).toMatch(/is not https/);
  });

  it("a client that starts before the signer retries until it is up", async () => {
    const ca = await createCa();
    // The client needs the address before anything listens there: a port the kernel just freed.
    const port = await freePort();
    const csr = await createCsr({ role: "worker", podIp: "127.0.0.1" });
    const retries: string[] = [];
    let firstRetry!: () => void;
    const retried = new Promise<void>((r) => (firstRetry = r));
    const pending = requestCertificate({
      url: `https://127.0.0.1:${port}`, token: WORKER, caCertPem: ca.certPem, role: "worker", csrPem: csr.csrPem, retrySeconds: 10,
      onRetry: (i) => {
        retries.push(i.why);
        firstRetry();
      },
    });
    await retried; // the client found nothing there and is waiting to try again
    const late = await startSigner({ ca: loadCa(ca.certPem, ca.keyPem), host: "127.0.0.1", port, headToken: HEAD, workerToken: WORKER, headFqdn: FQDN });
    try {
      const res = await pending;
      expect(res.sans).toEqual(["DNS:localhost", "IP:127.0.0.1"]);
      expect(retries.length).toBeGreaterThan(0);
      expect(retries[0]).toMatch(/ECONNREFUSED/);
    } finally {
      await late.close();
    }
  });
});

describe("HTTP handling", () => {
  const auth = { authorization: `Bearer ${WORKER}`, "content-type": "application/json" };
  it("healthz, 404, 405, bad JSON, a bad body, a bad CSR, an oversized body", async () => {
    expect(await raw({ method: "GET", path: "/healthz" })).toEqual({ status: 200, json: { ok: true } });
    expect((await raw({ method: "GET", path: "/nope" })).status).toBe(404);
    expect((await raw({ method: "GET" })).status).toBe(405);
    expect(await raw({ body: "{not json", headers: auth })).toMatchObject({ status: 400, json: { error: "bad-json" } });
    expect(await raw({ body: "[]", headers: auth })).toMatchObject({ status: 400, json: { error: "bad-request" } });
    // The body is checked field by field (zod): a missing CSR and an unknown field are named.
    const noCsr = await raw({ body: JSON.stringify({ role: "worker" }), headers: auth });
    expect(noCsr).toMatchObject({ status: 400, json: { error: "bad-request" } });
    expect((noCsr.json as { reason: string }).reason).toMatch(/^csr: /);
    const extra = await raw({ body: JSON.stringify({ role: "worker", csr: "x", ip: "10.0.0.9" }), headers: auth });
    expect(extra).toMatchObject({ status: 400, json: { error: "bad-request" } });
    expect((extra.json as { reason: string }).reason).toMatch(/ip/);
    expect(await raw({ body: JSON.stringify({ role: "worker", csr: "garbage" }), headers: auth })).toMatchObject({ status: 400, json: { error: "bad-csr" } });
    expect(await raw({ body: "{}", headers: { "content-type": "application/json" } })).toMatchObject({ status: 401, json: { error: "bad-token" } });
    const big = await raw({ body: Buffer.alloc(70 * 1024, 0x61), headers: auth });
    expect(big).toMatchObject({ status: 413, json: { error: "too-large" } });
  });

  it("an idle (slowloris) client does not block others, and is cut off by the headers timeout with a 408", async () => {
    const withLimits = (limits: SignerLimits) =>
      startSigner({ ca: loadCa(caCertPem, caKeyPem), host: "127.0.0.1", port: 0, headToken: HEAD, workerToken: WORKER, headFqdn: FQDN, limits });
    // Others are served while a request's headers stay unfinished: on a signer whose timeouts
    // cannot fire during the test, so the order of events, not the machine's speed, decides.
    const patient = await withLimits({ idleTimeoutMs: 600_000, headersTimeoutMs: 600_000, requestTimeoutMs: 600_000 });
    try {
      const idle = await slowloris(patient.port);
      const results = await Promise.all(Array.from({ length: 20 }, () => raw({ method: "GET", path: "/healthz" }, patient.url)));
      expect(results.every((r) => r.status === 200)).toBe(true);
      expect(idle.closed()).toBe(false);
      idle.socket.destroy();
    } finally {
      await patient.close();
    }
    // Cut off for the right reason: only the headers timeout answers 408 (the idle timeout and the
    // connection budget, set far off here, close without a word).
    const strict = await withLimits({ idleTimeoutMs: 600_000, headersTimeoutMs: 500, requestTimeoutMs: 600_000 });
    try {
      const idle = await slowloris(strict.port);
      expect(await idle.reply).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    } finally {
      await strict.close();
    }
  });
});
