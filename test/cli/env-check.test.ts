/**
 * `raytls env check` (Ray's TLS environment contract, ray-tls-facts.md section 1, and what the
 * handshake will need beyond it), in-process through runCli with an explicit env, and
 * checkRayEnv directly with an injected readFile and fixed dates.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createCa, loadCa, type PemPair } from "../../src/pki/ca.js";
import { issuePodCert } from "../../src/pki/issue.js";
import { checkRayEnv, type EnvReport } from "../../src/ray/env-check.js";
import { RAY_MISSING_TLS_VARS } from "../../src/ray/tls-env.js";
import { runCli } from "../helpers/cli.js";
import { opensslCa, opensslLeaf } from "../helpers/openssl.js";
import { useTempDir } from "../helpers/temp-dir.js";

const RAY_MESSAGE = "If the environment variable RAY_USE_TLS is set to true then RAY_TLS_SERVER_CERT, RAY_TLS_SERVER_KEY and RAY_TLS_CA_CERT must also be set.";

const tmp = useTempDir("raytls-envcheck-");
const F = (p: string): string => path.join(tmp.dir, p);

beforeAll(async () => {
  const ca = await createCa();
  const loaded = loadCa(ca.certPem, ca.keyPem);
  const worker = issuePodCert({ ca: loaded, role: "worker", podIp: "10.244.0.7" });
  const head = issuePodCert({ ca: loaded, role: "head", podIp: "10.244.0.5", headFqdn: "raycluster-tls-head-svc.default.svc.cluster.local" });
  const v6 = issuePodCert({ ca: loaded, role: "worker", podIp: "fd00::7" });
  const other = await createCa({ subject: "/CN=other CA/O=elsewhere" });
  const otherLeaf = issuePodCert({ ca: loadCa(other.certPem, other.keyPem), role: "worker", podIp: "10.244.0.7" });
  // A CA valid now, whose leaf expired long ago.
  const oldCa = await createCa({ now: new Date("2020-01-01T00:00:00Z"), days: 3650 });
  const expired = issuePodCert({ ca: loadCa(oldCa.certPem, oldCa.keyPem, undefined, new Date("2020-01-01T00:00:00Z")), role: "worker", podIp: "10.244.0.7", days: 30, now: new Date("2020-01-01T00:00:00Z") });

  mkdirSync(F("tls"));
  writeFileSync(F("tls/ca.crt"), ca.certPem);
  writeFileSync(F("tls/tls.crt"), worker.certPem);
  writeFileSync(F("tls/tls.key"), worker.keyPem, { mode: 0o600 });
  writeFileSync(F("head.crt"), head.certPem);
  writeFileSync(F("ca-first.crt"), ca.certPem + worker.certPem);
  writeFileSync(F("head.key"), head.keyPem);
  writeFileSync(F("v6.crt"), v6.certPem);
  writeFileSync(F("v6.key"), v6.keyPem);
  writeFileSync(F("other.crt"), otherLeaf.certPem);
  writeFileSync(F("other.key"), otherLeaf.keyPem);
  writeFileSync(F("old-ca.crt"), oldCa.certPem);
  writeFileSync(F("expired.crt"), expired.certPem);
  writeFileSync(F("expired.key"), expired.keyPem);
  writeFileSync(F("garbage.pem"), "this is not PEM\n");
  writeFileSync(F("truncated.crt"), worker.certPem.slice(0, 200));
  mkdirSync(F("a-directory"));
  const osCa = opensslCa(tmp.dir, "os-ca");
  const serverOnly = opensslLeaf(tmp.dir, "server-only", osCa, { san: "DNS:localhost,IP:127.0.0.1,IP:10.244.0.7", eku: "serverAuth", days: 90 });
  Object.assign(osFiles, { ca: osCa.cert, cert: serverOnly.cert, key: serverOnly.key });
});

const osFiles: { ca: string; cert: string; key: string } = { ca: "", cert: "", key: "" };


/** A complete, good environment (worker 10.244.0.7), with overrides; `undefined` removes a variable. */
function env(over: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const e: Record<string, string | undefined> = { RAY_USE_TLS: "1", RAY_TLS_SERVER_CERT: F("tls/tls.crt"), RAY_TLS_SERVER_KEY: F("tls/tls.key"), RAY_TLS_CA_CERT: F("tls/ca.crt"), ...over };
  for (const k of Object.keys(e)) if (e[k] === undefined) delete e[k];
  return e as NodeJS.ProcessEnv;
}

const check = (e: NodeJS.ProcessEnv, json = false) => runCli(["env", "check", ...(json ? ["--json"] : [])], { env: e });

async function checkJson(e: NodeJS.ProcessEnv): Promise<{ code: number; report: EnvReport }> {
  const r = await check(e, true);
  return { code: r.code, report: JSON.parse(r.out) as EnvReport };
}

const failures = (r: EnvReport) => r.findings.filter((f) => !f.ok);

describe("RAY_USE_TLS", () => {
  it.each([
    [undefined, "RAY_USE_TLS: RAY_USE_TLS is not set: Ray runs without TLS (plaintext gRPC)"],
    ["0", "RAY_USE_TLS: RAY_USE_TLS=0: Ray runs without TLS (plaintext gRPC)"],
    ["false", "RAY_USE_TLS: RAY_USE_TLS=false: Ray runs without TLS (plaintext gRPC)"],
    ["", "RAY_USE_TLS: RAY_USE_TLS=: Ray runs without TLS (plaintext gRPC)"],
    ["yes", "RAY_USE_TLS: RAY_USE_TLS=\"yes\" is not a value Ray reads as on (it wants exactly 1 or true, any case, no spaces): Ray runs without TLS"],
    ["on", "RAY_USE_TLS: RAY_USE_TLS=\"on\" is not a value Ray reads as on (it wants exactly 1 or true, any case, no spaces): Ray runs without TLS"],
    ["2", "RAY_USE_TLS: RAY_USE_TLS=\"2\" is not a value Ray reads as on (it wants exactly 1 or true, any case, no spaces): Ray runs without TLS"],
  ])("RAY_USE_TLS=%j: not on, exit 1, and says so", async (value, line) => {
    const r = await check(env({ RAY_USE_TLS: value }));
    expect(r.code).toBe(1);
    expect(r.out).toContain(`FAIL  ${line}\n`);
    expect(r.out).toMatch(/hint: set RAY_USE_TLS=1 on every Ray container/);
    expect(r.out).toContain("1 problem(s).");
    // Nothing else is judged while TLS is off.
    expect(r.out).not.toContain("RAY_TLS_SERVER_CERT");
    const j = await checkJson(env({ RAY_USE_TLS: value }));
    expect(j.report).toMatchObject({ ok: false, tls: false });
    expect(j.report.findings).toHaveLength(1);
  });

  it.each(["1", "true", "TRUE", "True", "tRuE"])("RAY_USE_TLS=%j is on (with a good setup: exit 0)", async (value) => {
    const r = await check(env({ RAY_USE_TLS: value }));
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toContain(`ok    RAY_USE_TLS: RAY_USE_TLS=${value}: TLS is on\n`);
    expect(r.out).toContain("Ray's TLS environment is complete and consistent (not checked: POD_IP).\n");
  });

  it("without POD_IP the pod-IP check says it did not run (issue 11: not a quiet pass); with it, the plain verdict", async () => {
    const r = await check(env());
    expect(r.code).toBe(0);
    expect(r.out).toContain("skip  POD_IP: POD_IP is not set: whether the certificate covers this pod's IP (the head dials workers by it) was not checked\n      hint: set POD_IP");
    const j = await checkJson(env());
    expect(j.report.findings.at(-1)).toMatchObject({ ok: true, skipped: true, variable: "POD_IP" });
    const covered = await check(env({ POD_IP: "10.244.0.7" }));
    expect(covered.out).toContain("Ray's TLS environment is complete and consistent.\n");
  });

  // Regression test, fixed (src/ray/tls-env.ts tlsEnabled): the value is trimmed before comparing, but Ray does not
  // trim: python/ray/_private/grpc_utils.py `os.environ.get("RAY_USE_TLS", "0").lower() in ("1",
  // "true")`, and the C++ side compares the raw value too. So RAY_USE_TLS=" 1" or "true " leaves
  // Ray in plaintext while raytls reports "TLS is on" and exits 0. Expected: not on, exit 1.
  it.each([" 1", "true ", "1\n"])("RAY_USE_TLS=%j is not on for Ray (no trimming)", async (value) => {
    const r = await check(env({ RAY_USE_TLS: value }));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/is not a value Ray reads as on/);
  });
});

describe("the three variables", () => {
  it("RAY_MISSING_TLS_VARS is Ray's exact message", () => {
    expect(RAY_MISSING_TLS_VARS).toBe(RAY_MESSAGE);
  });

  it.each(["RAY_TLS_SERVER_CERT", "RAY_TLS_SERVER_KEY", "RAY_TLS_CA_CERT"])("%s missing: exit 1 with Ray's message", async (v) => {
    const r = await check(env({ [v]: undefined }));
    expect(r.code).toBe(1);
    expect(r.out).toContain(`FAIL  ${v}: ${RAY_MESSAGE}\n`);
    expect(r.out).toContain(`hint: set ${v}\n`);
    const j = await checkJson(env({ [v]: undefined }));
    expect(j.code).toBe(1);
    expect(j.report.ok).toBe(false);
    expect(j.report.tls).toBe(true);
    expect(failures(j.report)).toEqual([{ ok: false, variable: v, message: RAY_MESSAGE, hint: `set ${v}` }]);
  });

  it("all three missing are named together", async () => {
    const j = await checkJson({ RAY_USE_TLS: "true" });
    expect(failures(j.report).map((f) => f.variable)).toEqual(["RAY_TLS_SERVER_CERT, RAY_TLS_SERVER_KEY, RAY_TLS_CA_CERT"]);
    expect(failures(j.report)[0]!.message).toBe(RAY_MESSAGE);
  });
});

describe("files", () => {
  it("an unreadable file names the variable and the file", async () => {
    const missing = F("nowhere/tls.crt");
    const r = await check(env({ RAY_TLS_SERVER_CERT: missing }));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`FAIL  RAY_TLS_SERVER_CERT: RAY_TLS_SERVER_CERT=${missing.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} cannot be read: ENOENT`));
    expect(r.out).toMatch(/empty PEM/);
    const j = await checkJson(env({ RAY_TLS_CA_CERT: F("a-directory") }));
    expect(failures(j.report)).toEqual([expect.objectContaining({ variable: "RAY_TLS_CA_CERT", file: F("a-directory"), message: expect.stringMatching(/^RAY_TLS_CA_CERT=.*a-directory cannot be read: EISDIR/) })]);
    // The readable ones are reported as such.
    expect(j.report.findings.filter((f) => f.ok).map((f) => f.variable)).toEqual(["RAY_USE_TLS", "RAY_TLS_SERVER_CERT", "RAY_TLS_SERVER_KEY"]);
  });

  it.each([
    ["RAY_TLS_SERVER_CERT", "garbage.pem", /garbage\.pem: no PEM certificate found$/],
    ["RAY_TLS_SERVER_CERT", "truncated.crt", /truncated\.crt:1: CERTIFICATE block no matching END line/],
    ["RAY_TLS_CA_CERT", "garbage.pem", /garbage\.pem: no PEM certificate found$/],
    ["RAY_TLS_SERVER_KEY", "garbage.pem", /garbage\.pem: no PEM private key found$/],
  ])("%s=%s that does not parse: named with its variable", async (v, file, message) => {
    const j = await checkJson(env({ [v]: F(file) }));
    expect(j.code).toBe(1);
    const f = failures(j.report);
    expect(f).toHaveLength(1);
    expect(f[0]!.variable).toBe(v);
    expect(f[0]!.file).toBe(F(file));
    expect(f[0]!.message).toMatch(message);
  });
});

// Regression test, fixed (src/ray/env-check.ts, the catch around verifyCertificate): the variable is guessed from the
// file name at the start of the error message, taking the first of the three variables that holds
// that path. When RAY_TLS_SERVER_KEY points at the certificate file (a common slip), the error
// "<tls.crt>: no PEM private key found" is attributed to RAY_TLS_SERVER_CERT.
// Expected variable RAY_TLS_SERVER_KEY, actual RAY_TLS_SERVER_CERT.
it("RAY_TLS_SERVER_KEY set to the certificate file is blamed on RAY_TLS_SERVER_KEY", async () => {
  const j = await checkJson(env({ RAY_TLS_SERVER_KEY: F("tls/tls.crt") }));
  expect(j.code).toBe(1);
  const f = failures(j.report);
  expect(f).toHaveLength(1);
  expect(f[0]!.message).toMatch(/tls\.crt: no PEM private key found$/);
  expect(f[0]!.variable).toBe("RAY_TLS_SERVER_KEY");
});

describe("what the handshake needs", () => {
  it("a key that is not the certificate's", async () => {
    const j = await checkJson(env({ RAY_TLS_SERVER_KEY: F("head.key") }));
    expect(j.code).toBe(1);
    expect(failures(j.report)).toEqual([expect.objectContaining({ variable: "RAY_TLS_SERVER_KEY", file: F("head.key"), message: `${F("head.key")} does not match the certificate's public key` })]);
  });

  it("a certificate from another CA", async () => {
    const j = await checkJson(env({ RAY_TLS_SERVER_CERT: F("other.crt"), RAY_TLS_SERVER_KEY: F("other.key") }));
    expect(j.code).toBe(1);
    expect(failures(j.report)).toEqual([expect.objectContaining({ variable: "RAY_TLS_SERVER_CERT", message: expect.stringMatching(/^certificate verify failed: issued by CN=other CA, O=elsewhere, not by the CA in .*tls\/ca\.crt/) })]);
  });

  it("an expired certificate", async () => {
    const j = await checkJson(env({ RAY_TLS_SERVER_CERT: F("expired.crt"), RAY_TLS_SERVER_KEY: F("expired.key"), RAY_TLS_CA_CERT: F("old-ca.crt") }));
    expect(j.code).toBe(1);
    expect(failures(j.report)).toEqual([expect.objectContaining({ variable: "RAY_TLS_SERVER_CERT", message: "certificate expired on 2020-01-31T00:00:00.000Z" })]);
  });

  it("a serverAuth-only certificate (Ray presents it as client too)", async () => {
    const r = await check(env({ RAY_TLS_SERVER_CERT: osFiles.cert, RAY_TLS_SERVER_KEY: osFiles.key, RAY_TLS_CA_CERT: osFiles.ca }));
    expect(r.code).toBe(1);
    expect(r.out).toContain("FAIL  RAY_TLS_SERVER_CERT: extended key usage lacks clientAuth, so gRPC refuses it as a client certificate\n");
    expect(r.out).toContain("1 problem(s) (not checked: POD_IP).");
  });

  it("POD_IP covered", async () => {
    const j = await checkJson(env({ POD_IP: "10.244.0.7" }));
    expect(j.code).toBe(0);
    expect(j.report.findings.at(-1)).toEqual({ ok: true, variable: "POD_IP", message: "the certificate covers this pod's IP 10.244.0.7" });
    const v6 = await checkJson(env({ POD_IP: "fd00::7", RAY_TLS_SERVER_CERT: F("v6.crt"), RAY_TLS_SERVER_KEY: F("v6.key") }));
    expect(v6.code).toBe(0);
  });

  it("POD_IP not covered: gRPC's words", async () => {
    const r = await check(env({ POD_IP: "10.244.0.8" }));
    expect(r.code).toBe(1);
    expect(r.out).toContain("FAIL  POD_IP: Peer name 10.244.0.8 is not in peer certificate: the certificate lacks this pod's IP (POD_IP=10.244.0.8)");
    expect(r.out).toMatch(/hint: re-issue in the init container with POD_IP from status\.podIP/);
    // A head certificate checked in a pod whose IP changed.
    const j = await checkJson(env({ POD_IP: "10.244.0.9", RAY_TLS_SERVER_CERT: F("head.crt"), RAY_TLS_SERVER_KEY: F("head.key") }));
    expect(failures(j.report)).toEqual([expect.objectContaining({ variable: "POD_IP", file: F("head.crt"), message: expect.stringMatching(/^Peer name 10\.244\.0\.9 is not in peer certificate/) })]);
  });

  it("a certificate file with the CA first: one FAIL that says the pod certificate must come first and where it is", async () => {
    const r = await check(env({ RAY_TLS_SERVER_CERT: F("ca-first.crt") }));
    expect(r.code).toBe(1);
    const fails = r.out.split("\n").filter((l) => l.startsWith("FAIL"));
    expect(fails).toEqual([expect.stringMatching(/^FAIL {2}RAY_TLS_SERVER_CERT: .*ca-first\.crt: the first certificate is a CA .*; the pod certificate must come first, and it is certificate 2 of 2 \(.*line \d+\)$/)]);
    expect(r.out).toMatch(/hint: put the pod certificate first.*the CA belongs in RAY_TLS_CA_CERT/);
  });

  it("no POD_IP: one POD_IP finding, marked as not run (it used to be silent)", async () => {
    const j = await checkJson(env());
    expect(j.report.findings.filter((f) => f.variable === "POD_IP")).toEqual([expect.objectContaining({ ok: true, skipped: true })]);
  });
});

describe("a complete good setup", () => {
  it("exits 0 with every finding ok", async () => {
    const r = await check(env({ POD_IP: "10.244.0.7" }));
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).not.toContain("FAIL");
    expect(r.out.trim().split("\n").at(-1)).toBe("Ray's TLS environment is complete and consistent.");
    for (const v of ["RAY_USE_TLS", "RAY_TLS_SERVER_CERT", "RAY_TLS_SERVER_KEY", "RAY_TLS_CA_CERT", "POD_IP"]) expect(r.out).toMatch(new RegExp(`^ok    ${v}: `, "m"));
  });

  it("--json: ok, tls, findings[] with variable and message", async () => {
    const j = await checkJson(env({ POD_IP: "10.244.0.7" }));
    expect(j.code).toBe(0);
    expect(Object.keys(j.report).sort()).toEqual(["findings", "ok", "tls"]);
    expect(j.report.ok).toBe(true);
    expect(j.report.tls).toBe(true);
    expect(j.report.findings.length).toBeGreaterThanOrEqual(8);
    for (const f of j.report.findings) {
      expect(typeof f.ok).toBe("boolean");
      expect(typeof f.variable).toBe("string");
      expect(typeof f.message).toBe("string");
      expect(f.ok).toBe(true);
    }
    expect(j.report.findings.map((f) => f.variable)).toEqual([
      "RAY_USE_TLS",
      "RAY_TLS_SERVER_CERT",
      "RAY_TLS_SERVER_KEY",
      "RAY_TLS_CA_CERT",
      "RAY_TLS_SERVER_CERT", // chain
      "RAY_TLS_SERVER_CERT", // validity
      "RAY_TLS_SERVER_CERT", // purpose
      "RAY_TLS_SERVER_KEY", // key
      "POD_IP",
    ]);
    expect(j.report.findings[1]).toEqual({ ok: true, variable: "RAY_TLS_SERVER_CERT", file: F("tls/tls.crt"), message: `RAY_TLS_SERVER_CERT=${F("tls/tls.crt")} is readable` });
  });
});

describe("checkRayEnv with an injected readFile and a fixed clock", () => {
  const NOW = new Date("2026-01-01T00:00:00Z");
  const files = new Map<string, string>();
  let ca: PemPair;
  let leaf: PemPair;
  const reads: string[] = [];
  const readFile = async (f: string): Promise<string> => {
    reads.push(f);
    const t = files.get(f);
    if (t === undefined) throw Object.assign(new Error(`EACCES: permission denied, open '${f}'`), { code: "EACCES" });
    return t;
  };
  const E = { RAY_USE_TLS: "1", RAY_TLS_SERVER_CERT: "/etc/ray/tls/tls.crt", RAY_TLS_SERVER_KEY: "/etc/ray/tls/tls.key", RAY_TLS_CA_CERT: "/etc/ca/tls/ca.crt", POD_IP: "10.1.2.3" };

  beforeAll(async () => {
    ca = await createCa({ now: NOW });
    leaf = issuePodCert({ ca: loadCa(ca.certPem, ca.keyPem, undefined, NOW), role: "worker", podIp: "10.1.2.3", now: NOW });
    files.set(E.RAY_TLS_SERVER_CERT, leaf.certPem);
    files.set(E.RAY_TLS_SERVER_KEY, leaf.keyPem);
    files.set(E.RAY_TLS_CA_CERT, ca.certPem);
  });

  it("reads exactly the three files and judges at `now`", async () => {
    reads.length = 0;
    const r = await checkRayEnv(E, new Date("2026-02-01T00:00:00Z"), readFile);
    expect(r.ok).toBe(true);
    expect(reads).toEqual([E.RAY_TLS_SERVER_CERT, E.RAY_TLS_SERVER_KEY, E.RAY_TLS_CA_CERT]);
    expect(r.findings.find((f) => f.message.startsWith("valid until"))!.message).toBe("valid until 2027-01-01T00:00:00.000Z");
  });

  it("expired at a later `now`", async () => {
    const r = await checkRayEnv(E, new Date("2027-06-01T00:00:00Z"), readFile);
    expect(r.ok).toBe(false);
    expect(failures(r)).toEqual([expect.objectContaining({ variable: "RAY_TLS_SERVER_CERT", file: E.RAY_TLS_SERVER_CERT, message: "certificate expired on 2027-01-01T00:00:00.000Z" })]);
  });

  it("expiring soon is a warning finding (ok), not a failure", async () => {
    const r = await checkRayEnv(E, new Date("2026-12-22T00:00:00Z"), readFile);
    expect(r.ok).toBe(true);
    expect(r.findings).toContainEqual({ ok: true, variable: "RAY_TLS_SERVER_CERT", file: E.RAY_TLS_SERVER_CERT, message: "warning: expires in 10 days (2027-01-01T00:00:00.000Z)" });
  });

  it("TLS off: no file is read", async () => {
    reads.length = 0;
    const r = await checkRayEnv({ ...E, RAY_USE_TLS: "0" }, NOW, readFile);
    expect(r).toMatchObject({ ok: false, tls: false });
    expect(reads).toEqual([]);
  });

  it("a read error names the variable, the file and the cause; nothing further is judged", async () => {
    const r = await checkRayEnv({ ...E, RAY_TLS_SERVER_KEY: "/secret/tls.key" }, NOW, readFile);
    expect(r.ok).toBe(false);
    expect(failures(r)).toEqual([expect.objectContaining({ variable: "RAY_TLS_SERVER_KEY", file: "/secret/tls.key", message: "RAY_TLS_SERVER_KEY=/secret/tls.key cannot be read: EACCES: permission denied, open '/secret/tls.key'" })]);
    expect(r.findings.some((f) => f.message.startsWith("signed by"))).toBe(false);
  });
});
