/**
 * The openssl CLI as a real peer (issue 2, "Tests that must exist", items 1 and 2):
 * - raytls-made CA and pod certificates (ecdsa-p256, rsa-2048, ecdsa-p384; head and worker) pass
 *   `openssl verify -purpose sslserver|sslclient`, carry exactly the seed's SANs, and have the
 *   issue's profile as `openssl x509 -text` prints it; Node's X509Certificate is a second opinion;
 * - an `openssl s_server` / `s_client` mutual-TLS handshake between a head and a worker
 *   certificate succeeds with hostname (and IP) verification, and fails for the short name;
 * - certificates made by the openssl CLI are read correctly by `raytls inspect --json` and judged
 *   correctly by `raytls verify`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { openssl, opensslCa, opensslLeaf } from "../helpers/openssl.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { waitFor, waitForOutput } from "../helpers/wait.js";

const HEAD_FQDN = "raycluster-tls-head-svc.default.svc.cluster.local";
const HEAD_IP = "10.244.0.5";
const WORKER_IP = "10.244.1.7";
const KEY_TYPES = ["ecdsa-p256", "rsa-2048", "ecdsa-p384"] as const;
type KeyType = (typeof KEY_TYPES)[number];

const PROFILE: Record<KeyType, { sig: string; bits: number; keyUsage: string; curve?: string }> = {
  "ecdsa-p256": { sig: "ecdsa-with-SHA256", bits: 256, keyUsage: "Digital Signature", curve: "prime256v1" },
  "rsa-2048": { sig: "sha256WithRSAEncryption", bits: 2048, keyUsage: "Digital Signature, Key Encipherment" },
  "ecdsa-p384": { sig: "ecdsa-with-SHA384", bits: 384, keyUsage: "Digital Signature", curve: "secp384r1" },
};

/** The pod certificates made per key type, with the SAN line `openssl x509 -ext subjectAltName` must print. */
const PODS = {
  head: { argv: ["--role", "head", "--pod-ip", HEAD_IP, "--head-fqdn", HEAD_FQDN], sans: `DNS:localhost, DNS:${HEAD_FQDN}, IP Address:127.0.0.1, IP Address:${HEAD_IP}` },
  worker: { argv: ["--role", "worker", "--pod-ip", WORKER_IP], sans: `DNS:localhost, IP Address:127.0.0.1, IP Address:${WORKER_IP}` },
  headExtras: {
    argv: ["--role", "head", "--pod-ip", HEAD_IP, "--head-fqdn", HEAD_FQDN, "--dns", "raycluster-tls-head-svc", "--dns", "head.example.com", "--ip", "10.96.0.10"],
    sans: `DNS:localhost, DNS:${HEAD_FQDN}, DNS:raycluster-tls-head-svc, DNS:head.example.com, IP Address:127.0.0.1, IP Address:${HEAD_IP}, IP Address:10.96.0.10`,
  },
  workerExtras: {
    argv: ["--role", "worker", "--pod-ip", WORKER_IP, "--dns", "worker.example.com", "--ip", "fd00::7", "--ip", "10.96.0.11"],
    sans: `DNS:localhost, DNS:worker.example.com, IP Address:127.0.0.1, IP Address:${WORKER_IP}, IP Address:FD00:0:0:0:0:0:0:7, IP Address:10.96.0.11`,
  },
} as const;
type PodId = keyof typeof PODS;

function ok(r: { code: number; out: string; err: string }, what: string): string {
  expect(r.code, `${what}\n${r.out}\n${r.err}`).toBe(0);
  return r.out;
}

/** "Nov 28 04:29:46 2026 GMT" (openssl and Node's validFrom) as a Date. */
function opensslDate(s: string): Date {
  const m = /^(\w{3}) +(\d+) (\d\d):(\d\d):(\d\d) (\d{4}) GMT$/.exec(s.trim());
  if (!m) throw new Error(`not an openssl date: ${s}`);
  const month = "JanFebMarAprMayJunJulAugSepOctNovDec".indexOf(m[1]!) / 3;
  return new Date(Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])));
}

function x509Field(file: string, flag: string): string {
  const out = ok(openssl(["x509", "-in", file, "-noout", flag]), `openssl x509 ${flag}`);
  return out.slice(out.indexOf("=") + 1).trim();
}

/** The text of one extension as `openssl x509 -ext NAME` prints it (value lines joined). */
function x509Ext(file: string, name: string): string {
  const out = ok(openssl(["x509", "-in", file, "-noout", "-ext", name]), `openssl x509 -ext ${name}`);
  return out.split("\n").slice(1).map((l) => l.trim()).filter(Boolean).join(" ");
}

/** The serial INTEGER's content octets, read from the DER by hand (independent of raytls and openssl). */
function serialOctets(pem: string): Buffer {
  const der = new X509Certificate(pem).raw;
  let p = 0;
  const header = (): { tag: number; len: number } => {
    const tag = der[p++]!;
    let len = der[p++]!;
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + der[p++]!;
    }
    return { tag, len };
  };
  header(); // Certificate SEQUENCE
  header(); // TBSCertificate SEQUENCE
  if (der[p] === 0xa0) {
    const v = header();
    p += v.len;
  }
  const s = header();
  expect(s.tag).toBe(0x02);
  return der.subarray(p, p + s.len);
}

/** Normalizes openssl's and raytls's IP spellings (IPv6 expanded, lower case) for comparison. */
function normSan(s: string): string {
  const m = /^(?:IP Address|IP):(.*)$/.exec(s.trim());
  if (!m) return s.trim();
  const ip = m[1]!;
  if (!ip.includes(":")) return `IP:${ip}`;
  const [h, t] = ip.toLowerCase().includes("::") ? ip.toLowerCase().split("::") : [ip.toLowerCase(), undefined];
  const hg = h ? h.split(":") : [];
  const tg = t === undefined ? [] : t ? t.split(":") : [];
  const groups = t === undefined ? hg : [...hg, ...new Array(8 - hg.length - tg.length).fill("0"), ...tg];
  return `IP:${groups.map((g) => parseInt(g, 16).toString(16)).join(":")}`;
}

/** Runs a command asynchronously (the event loop keeps draining the s_server pipes meanwhile). */
function runAsync(cmd: string, args: string[], input: string, timeoutMs = 20_000): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    const timer = setTimeout(() => child.pid !== undefined && process.kill(child.pid, "SIGKILL"), timeoutMs);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once("close", (code, sig) => {
      clearTimeout(timer);
      resolve({ code: code ?? (sig ? -1 : 0), out, err });
    });
    // The command may exit before reading its input (s_client after a failed handshake): the write
    // then fails with EPIPE, which is expected and must not surface as an unhandled stream error.
    child.stdin.on("error", () => undefined);
    child.stdin.end(input);
  });
}

interface SServer {
  port: number;
  child: ChildProcess;
  out: () => string;
  err: () => string;
}

async function startSServer(args: string[]): Promise<SServer> {
  // Port 0: s_server prints the port the kernel gave it ("ACCEPT 127.0.0.1:38709").
  // stdin stays open (a pipe we never end): s_server treats EOF on stdin as "shut down".
  const child = spawn("openssl", ["s_server", "-accept", "127.0.0.1:0", ...args], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
  try {
    const m = await waitForOutput(child, /^ACCEPT 127\.0\.0\.1:(\d+)$/m, { what: "s_server's ACCEPT line" });
    return { port: Number(m[1]), child, out: () => out, err: () => err };
  } catch (e) {
    await stopProcess(child);
    throw e;
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  process.kill(child.pid, "SIGTERM");
  const t = setTimeout(() => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, "SIGKILL"), 3000);
  await exited;
  clearTimeout(t);
}

/** True once `pred` holds, false if it does not within `ms` (s_server logs a handshake after the client returns). */
const within = (pred: () => boolean, ms = 5000): Promise<boolean> => waitFor("openssl s_server's log", pred, { timeoutMs: ms, intervalMs: 50 }).then(() => true, () => false);

const count = (hay: string, needle: string): number => hay.split(needle).length - 1;

// -------------------------------------------------------------------------------------------------

describe("raytls-made certificates, read and judged by openssl and Node", () => {
  const tmp = useTempDir("raytls-openssl-interop-");
  const servers: SServer[] = [];
  const made = new Map<KeyType, { caDir: string; ca: string; caKey: string; pods: Record<PodId, { dir: string; cert: string; key: string }>; at: number }>();

  beforeAll(async () => {
    for (const kt of KEY_TYPES) {
      const base = path.join(tmp.dir, kt);
      const caDir = path.join(base, "ca");
      const at = Date.now();
      ok(await runCli(["ca", "create", "--out", caDir, "--key-type", kt]), `ca create ${kt}`);
      const pods = {} as Record<PodId, { dir: string; cert: string; key: string }>;
      for (const id of Object.keys(PODS) as PodId[]) {
        const dir = path.join(base, id);
        ok(await runCli(["pod-cert", ...PODS[id].argv, "--ca-dir", caDir, "--out", dir, "--key-type", kt]), `pod-cert ${id} ${kt}`);
        pods[id] = { dir, cert: path.join(dir, "tls.crt"), key: path.join(dir, "tls.key") };
      }
      made.set(kt, { caDir, ca: path.join(caDir, "ca.crt"), caKey: path.join(caDir, "ca.key"), pods, at });
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => stopProcess(s.child)));
  });

  describe.each(KEY_TYPES)("%s", (kt) => {
    const m = () => made.get(kt)!;

    it("the CA has CA:TRUE pathlen:0 (critical), Certificate Sign + CRL Sign (critical), SKI; mode 0400 key", () => {
      const { ca, caKey } = m();
      const text = ok(openssl(["x509", "-in", ca, "-noout", "-text"]), "x509 -text");
      expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0\n/);
      expect(text).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign\n/);
      expect(text).toMatch(/X509v3 Subject Key Identifier:\s*\n\s+([0-9A-F]{2}:){19}[0-9A-F]{2}\n/);
      expect(text).toContain(`Signature Algorithm: ${PROFILE[kt].sig}`);
      expect(text).toContain(`Public-Key: (${PROFILE[kt].bits} bit)`);
      expect(text).not.toContain("Extended Key Usage");
      // Self-signed and valid for openssl itself.
      ok(openssl(["verify", "-CAfile", ca, ca]), "openssl verify ca");
      const node = new X509Certificate(readFileSync(ca));
      expect(node.ca).toBe(true);
      expect(node.checkIssued(node)).toBe(true);
      expect(node.verify(node.publicKey)).toBe(true);
      expect(statSync(caKey).mode & 0o777).toBe(0o400);
      const notBefore = opensslDate(x509Field(ca, "-startdate"));
      const notAfter = opensslDate(x509Field(ca, "-enddate"));
      // `at` is taken before the CLI runs; an RSA key on a loaded machine can take seconds to make.
          expect(m().at - notBefore.getTime()).toBeGreaterThanOrEqual(5 * 60_000 - 30_000);
      expect(m().at - notBefore.getTime()).toBeLessThanOrEqual(5 * 60_000 + 60_000);
      expect(notAfter.getTime() - notBefore.getTime()).toBe(3650 * 86_400_000 + 5 * 60_000);
    });

    for (const id of Object.keys(PODS) as PodId[]) {
      describe(id, () => {
        const pod = () => m().pods[id];

        it("passes openssl verify -purpose sslserver and -purpose sslclient", () => {
          for (const purpose of ["sslserver", "sslclient"]) {
            const out = ok(openssl(["verify", "-CAfile", m().ca, "-purpose", purpose, pod().cert]), `verify -purpose ${purpose}`);
            expect(out.trim()).toBe(`${pod().cert}: OK`);
          }
          // and not against another key type's CA (same subject, other key)
          const other = made.get(KEY_TYPES[(KEY_TYPES.indexOf(kt) + 1) % KEY_TYPES.length]!)!;
          const bad = openssl(["verify", "-CAfile", other.ca, pod().cert]);
          expect(bad.code).not.toBe(0);
        });

        it("shows exactly the seed's SANs (plus extras, in order)", () => {
          expect(x509Ext(pod().cert, "subjectAltName")).toBe(PODS[id].sans);
          expect(new X509Certificate(readFileSync(pod().cert)).subjectAltName).toBe(PODS[id].sans);
        });

        it("has the leaf profile in openssl x509 -text", () => {
          const text = ok(openssl(["x509", "-in", pod().cert, "-noout", "-text"]), "x509 -text");
          expect(text).toContain("Version: 3 (0x2)");
          expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE\n/);
          expect(text).toMatch(new RegExp(`X509v3 Key Usage: critical\\s+${PROFILE[kt].keyUsage}\\n`));
          expect(text).toMatch(/X509v3 Extended Key Usage: ?\n\s+TLS Web Server Authentication, TLS Web Client Authentication\n/);
          expect(text).toMatch(/X509v3 Subject Key Identifier: ?\n\s+([0-9A-F]{2}:){19}[0-9A-F]{2}\n/);
          expect(text).toMatch(/X509v3 Authority Key Identifier: ?\n\s+(keyid:)?([0-9A-F]{2}:){19}[0-9A-F]{2}\n/);
          expect(text).toContain(`Signature Algorithm: ${PROFILE[kt].sig}`);
          expect(text).toContain(`Public-Key: (${PROFILE[kt].bits} bit)`);
          if (PROFILE[kt].curve) expect(text).toContain(`ASN1 OID: ${PROFILE[kt].curve}`);
          // AKI = the CA's SKI.
          const aki = x509Ext(pod().cert, "authorityKeyIdentifier").replace(/^keyid:/, "");
          expect(aki).toBe(x509Ext(m().ca, "subjectKeyIdentifier"));
          // Issuer = the CA's subject.
          expect(x509Field(pod().cert, "-issuer")).toBe(x509Field(m().ca, "-subject"));
        });

        it("has a positive serial of at most 20 octets (>= 64 bits) and notBefore 5 minutes back", () => {
          const pem = readFileSync(pod().cert, "utf8");
          const serial = serialOctets(pem);
          expect(serial.length).toBeLessThanOrEqual(20);
          expect(serial.length).toBeGreaterThanOrEqual(9);
          expect(serial[0]! & 0x80).toBe(0);
          expect(serial.some((b) => b !== 0)).toBe(true);
          expect(x509Field(pod().cert, "-serial")).toBe(serial.toString("hex").toUpperCase().replace(/^(00)+(?=.)/, ""));
          const text = ok(openssl(["x509", "-in", pod().cert, "-noout", "-text"]), "x509 -text");
          expect(text).not.toContain("(Negative)");
          const notBefore = opensslDate(x509Field(pod().cert, "-startdate"));
          const notAfter = opensslDate(x509Field(pod().cert, "-enddate"));
          // `at` is taken before the CLI runs; an RSA key on a loaded machine can take seconds to make.
          expect(m().at - notBefore.getTime()).toBeGreaterThanOrEqual(5 * 60_000 - 30_000);
          expect(m().at - notBefore.getTime()).toBeLessThanOrEqual(5 * 60_000 + 60_000);
          expect(notAfter.getTime() - notBefore.getTime()).toBe(365 * 86_400_000 + 5 * 60_000);
        });

        it("Node's X509Certificate agrees (second opinion)", () => {
          const cert = new X509Certificate(readFileSync(pod().cert));
          const ca = new X509Certificate(readFileSync(m().ca));
          expect(cert.ca).toBe(false);
          expect(cert.subjectAltName).toBe(PODS[id].sans);
          expect(cert.checkIssued(ca)).toBe(true);
          expect(cert.verify(ca.publicKey)).toBe(true);
          expect(cert.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
          expect(cert.validFrom).toBe(ok(openssl(["x509", "-in", pod().cert, "-noout", "-startdate"]), "startdate").trim().replace(/^notBefore=/, ""));
          expect(cert.validTo).toBe(ok(openssl(["x509", "-in", pod().cert, "-noout", "-enddate"]), "enddate").trim().replace(/^notAfter=/, ""));
          expect(cert.serialNumber.replace(/^(00)+(?=.)/, "")).toBe(x509Field(pod().cert, "-serial"));
          expect(cert.checkPrivateKey(createPrivateKey(readFileSync(pod().key)))).toBe(true);
          const other = made.get(KEY_TYPES[(KEY_TYPES.indexOf(kt) + 1) % KEY_TYPES.length]!)!;
          const otherCa = new X509Certificate(readFileSync(other.ca));
          expect(cert.verify(otherCa.publicKey)).toBe(false);
          expect(cert.checkIssued(otherCa)).toBe(false);
          if (id === "head" || id === "headExtras") {
            expect(cert.checkHost(HEAD_FQDN)).toBe(HEAD_FQDN);
            expect(cert.checkIP(HEAD_IP)).toBe(HEAD_IP);
          } else {
            expect(cert.checkIP(WORKER_IP)).toBe(WORKER_IP);
          }
        });

        it("writes tls.key 0600 (and the key matches per openssl)", () => {
          expect(statSync(pod().key).mode & 0o777).toBe(0o600);
          const fromKey = ok(openssl(["pkey", "-in", pod().key, "-pubout"]), "pkey -pubout");
          const fromCert = ok(openssl(["x509", "-in", pod().cert, "-noout", "-pubkey"]), "x509 -pubkey");
          expect(fromKey).toBe(fromCert);
        });
      });
    }

    describe("mutual TLS with openssl s_server / s_client", () => {
      let head: SServer;
      let worker: SServer;

      beforeAll(async () => {
        const { ca, pods } = m();
        const serverArgs = (p: { cert: string; key: string }) => ["-cert", p.cert, "-key", p.key, "-CAfile", ca, "-Verify", "1", "-verify_return_error"];
        head = await startSServer(serverArgs(pods.head));
        servers.push(head);
        worker = await startSServer(serverArgs(pods.worker));
        servers.push(worker);
      });

      const sClient = (server: SServer, client: { cert: string; key: string } | undefined, verify: string[]) =>
        runAsync(
          "openssl",
          ["s_client", "-connect", `127.0.0.1:${server.port}`, ...(client ? ["-cert", client.cert, "-key", client.key] : []), "-CAfile", m().ca, "-verify_return_error", ...verify],
          "Q\n",
        );

      it.each([
        ["-verify_hostname", HEAD_FQDN],
        ["-verify_ip", "127.0.0.1"],
        ["-verify_ip", HEAD_IP],
        ["-verify_hostname", "localhost"],
      ])("worker -> head with %s %s: verified both ways", async (flag, value) => {
        const before = count(head.out(), `subject=CN = ${WORKER_IP}, OU = worker`);
        const r = await sClient(head, m().pods.worker, [flag, value]);
        expect(r.out, r.err).toContain("Verify return code: 0 (ok)");
        expect(r.code, r.err).toBe(0);
        expect(r.out).toContain(`CN = ${HEAD_FQDN}, OU = head`);
        // The server required, received and verified the worker's certificate.
        expect(await within(() => count(head.out(), `subject=CN = ${WORKER_IP}, OU = worker`) > before), head.out() + head.err()).toBe(true);
      });

      it("head -> worker by the worker's pod IP: verified both ways", async () => {
        const before = count(worker.out(), `subject=CN = ${HEAD_FQDN}, OU = head`);
        const r = await sClient(worker, m().pods.head, ["-verify_ip", WORKER_IP]);
        expect(r.out, r.err).toContain("Verify return code: 0 (ok)");
        expect(r.code, r.err).toBe(0);
        expect(await within(() => count(worker.out(), `subject=CN = ${HEAD_FQDN}, OU = head`) > before), worker.out() + worker.err()).toBe(true);
      });

      it.each([
        ["-verify_hostname", "raycluster-tls-head-svc"],
        ["-verify_ip", WORKER_IP],
        ["-verify_hostname", "raycluster-tls-head-svc.other.svc.cluster.local"],
      ])("worker -> head with %s %s fails verification (name or IP mismatch)", async (flag, value) => {
        const r = await sClient(head, m().pods.worker, [flag, value]);
        expect(r.code).not.toBe(0);
        expect(r.out).not.toContain("Verify return code: 0 (ok)");
        expect(r.out + r.err).toMatch(/Verify return code: (62 \(hostname mismatch\)|64 \(IP address mismatch\))/);
      });

      it("a client without a certificate is refused by the server", async () => {
        const before = count(head.err(), "peer did not return a certificate");
        const r = await sClient(head, undefined, ["-verify_ip", "127.0.0.1"]);
        // With TLS 1.3 the client may quit before the server's alert arrives, so its exit code
        // proves nothing (facts section 3); the reason is on the server side.
        expect(r.out).toContain("Verify return code: 0 (ok)");
        expect(await within(() => count(head.err(), "peer did not return a certificate") > before), head.err()).toBe(true);
      });
    });
  });
});

// -------------------------------------------------------------------------------------------------

describe("openssl-made certificates, read by raytls inspect and judged by raytls verify", () => {
  const tmp = useTempDir("raytls-openssl-made-");
  const f: Record<string, { cert: string; key: string }> = {};
  const CA_SUBJ = { ec: "/C=US/O=Interop Test/CN=ec interop CA", rsa: "/C=US/O=Interop Test/CN=rsa interop CA" };

  beforeAll(() => {
    const d = tmp.dir;
    f.ecCa = opensslCa(d, "ec-ca", { subj: CA_SUBJ.ec });
    f.rsaCa = opensslCa(d, "rsa-ca", { rsa: true, subj: CA_SUBJ.rsa });
    // Same subject as the EC CA, another key: chains by name, not by signature.
    f.impostorCa = opensslCa(d, "impostor-ca", { subj: CA_SUBJ.ec });
    f.ecGood = opensslLeaf(d, "ec-good", f.ecCa, { cn: "good.example.com", san: "DNS:good.example.com,DNS:*.apps.example.com,IP:10.1.2.3,IP:fd00::5" });
    f.rsaGood = opensslLeaf(d, "rsa-good", f.rsaCa, { rsa: true, cn: "rsa.example.com", san: "DNS:rsa.example.com,IP:10.1.2.4", keyUsage: "digitalSignature,keyEncipherment" });
    f.expired = opensslLeaf(d, "expired", f.ecCa, { san: "DNS:good.example.com", notBefore: "20200101000000Z", notAfter: "20210101000000Z" });
    f.serverOnly = opensslLeaf(d, "server-only", f.ecCa, { san: "DNS:good.example.com", eku: "serverAuth" });
    f.clientOnly = opensslLeaf(d, "client-only", f.ecCa, { san: "DNS:good.example.com", eku: "clientAuth" });
    f.noEku = opensslLeaf(d, "no-eku", f.ecCa, { san: "DNS:good.example.com", eku: "" });
    f.other = opensslLeaf(d, "other", f.ecCa, { san: "DNS:other.example.com" });
  });


  const inspect = async (file: string): Promise<any> => {
    const r = await runCli(["inspect", file, "--json"]);
    ok(r, `inspect ${file}`);
    const all = JSON.parse(r.out) as any[];
    expect(all).toHaveLength(1);
    return all[0];
  };
  const rfc2253ToRaytls = (s: string): string => s.split(",").reverse().join(", ");

  it.each([
    ["ecGood", "ECDSA P-256", 256, ["digitalSignature"], "ecdsa-with-SHA256"],
    ["rsaGood", "RSA 2048", 2048, ["digitalSignature", "keyEncipherment"], "sha256WithRSAEncryption"],
  ] as const)("inspect --json reads the openssl leaf %s as openssl does", async (id, key, bits, ku, sig) => {
    const file = f[id]!.cert;
    const i = await inspect(file);
    const ca = id === "ecGood" ? f.ecCa! : f.rsaCa!;
    expect(i.kind).toBe("certificate");
    expect(i.subject).toBe(rfc2253ToRaytls(ok(openssl(["x509", "-in", file, "-noout", "-subject", "-nameopt", "RFC2253"]), "subject").trim().replace(/^subject=/, "")));
    expect(i.issuer).toBe(rfc2253ToRaytls(ok(openssl(["x509", "-in", file, "-noout", "-issuer", "-nameopt", "RFC2253"]), "issuer").trim().replace(/^issuer=/, "")));
    expect(i.issuer).toBe(id === "ecGood" ? "C=US, O=Interop Test, CN=ec interop CA" : "C=US, O=Interop Test, CN=rsa interop CA");
    expect(i.selfSigned).toBe(false);
    const osslSans = x509Ext(file, "subjectAltName").split(", ");
    expect(i.sans.map(normSan)).toEqual(osslSans.map(normSan));
    expect(i.sans).toEqual(id === "ecGood" ? ["DNS:good.example.com", "DNS:*.apps.example.com", "IP:10.1.2.3", "IP:fd00::5"] : ["DNS:rsa.example.com", "IP:10.1.2.4"]);
    expect(i.extKeyUsage).toEqual(["serverAuth", "clientAuth"]);
    expect(x509Ext(file, "extendedKeyUsage")).toBe("TLS Web Server Authentication, TLS Web Client Authentication");
    expect(i.keyUsage).toEqual(ku);
    expect(i.key).toBe(key);
    expect(i.keyBits).toBe(bits);
    expect(ok(openssl(["x509", "-in", file, "-noout", "-text"]), "text")).toContain(`Public-Key: (${bits} bit)`);
    expect(i.signatureAlgorithm).toBe(sig);
    expect(i.basicConstraints).toEqual({ ca: false, critical: true });
    expect(i.sha256Fingerprint).toBe(ok(openssl(["x509", "-in", file, "-noout", "-fingerprint", "-sha256"]), "fp").trim().replace(/^sha256 Fingerprint=/i, ""));
    expect(i.serial.replace(/:/g, "").replace(/^(00)+(?=.)/, "")).toBe(x509Field(file, "-serial"));
    expect(new Date(i.notBefore)).toEqual(opensslDate(x509Field(file, "-startdate")));
    expect(new Date(i.notAfter)).toEqual(opensslDate(x509Field(file, "-enddate")));
    expect(i.subjectKeyId).toBe(x509Ext(file, "subjectKeyIdentifier"));
    expect(i.authorityKeyId).toBe(x509Ext(file, "authorityKeyIdentifier").replace(/^keyid:/, ""));
    expect(i.authorityKeyId).toBe(x509Ext(ca.cert, "subjectKeyIdentifier"));
  });

  it.each(["ecCa", "rsaCa"])("inspect --json reads the openssl CA %s as openssl does", async (id) => {
    const file = f[id]!.cert;
    const i = await inspect(file);
    const text = ok(openssl(["x509", "-in", file, "-noout", "-text"]), "text");
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE\n/);
    expect(i.basicConstraints).toEqual({ ca: true, critical: true });
    expect(i.selfSigned).toBe(true);
    expect(i.subject).toBe(i.issuer);
    expect(i.subject).toBe(rfc2253ToRaytls(ok(openssl(["x509", "-in", file, "-noout", "-subject", "-nameopt", "RFC2253"]), "subject").trim().replace(/^subject=/, "")));
    expect(i.sans).toEqual([]);
    expect(i.extKeyUsage).toBeNull();
    expect(i.key).toBe(id === "ecCa" ? "ECDSA P-256" : "RSA 2048");
    expect(i.sha256Fingerprint).toBe(ok(openssl(["x509", "-in", file, "-noout", "-fingerprint", "-sha256"]), "fp").trim().replace(/^sha256 Fingerprint=/i, ""));
    expect(i.subjectKeyId).toBe(x509Ext(file, "subjectKeyIdentifier"));
  });

  it("inspect --json reads openssl keys in PKCS#8, SEC1 and PKCS#1 and fingerprints their public key", async () => {
    const d = tmp.dir;
    const sec1 = path.join(d, "sec1.key");
    const pkcs1 = path.join(d, "pkcs1.key");
    ok(openssl(["ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", sec1]), "ecparam");
    ok(openssl(["genrsa", "-traditional", "-out", pkcs1, "2048"]), "genrsa");
    const cases: Array<[string, string, string, number]> = [
      [f.ecGood!.key, "PKCS#8", "ECDSA P-256", 256],
      [f.rsaGood!.key, "PKCS#8", "RSA 2048", 2048],
      [sec1, "SEC1", "ECDSA P-384", 384],
      [pkcs1, "PKCS#1", "RSA 2048", 2048],
    ];
    for (const [file, format, key, bits] of cases) {
      const i = await inspect(file);
      expect(i).toMatchObject({ kind: "private-key", format, key, keyBits: bits });
      const spki = path.join(d, "pub.der");
      ok(openssl(["pkey", "-in", file, "-pubout", "-outform", "DER", "-out", spki]), "pkey -pubout");
      const want = createHash("sha256").update(readFileSync(spki)).digest("hex").toUpperCase().match(/../g)!.join(":");
      expect(i.publicKeySha256, file).toBe(want);
    }
    // A key and its certificate have the same public key.
    const cert = new X509Certificate(readFileSync(f.ecGood!.cert));
    const certSpki = cert.publicKey.export({ type: "spki", format: "der" });
    expect((await inspect(f.ecGood!.key)).publicKeySha256).toBe(createHash("sha256").update(certSpki).digest("hex").toUpperCase().match(/../g)!.join(":"));
  });

  const verify = (args: string[]) => runCli(["verify", ...args]);

  it("verify: good openssl certificates pass with every SAN as --host (exit 0), as openssl verify agrees", async () => {
    const ec = await verify(["--ca-cert", f.ecCa!.cert, "--cert", f.ecGood!.cert, "--key", f.ecGood!.key, "--host", "good.example.com", "--host", "x.apps.example.com", "--host", "10.1.2.3", "--host", "fd00::5"]);
    expect(ec.code, ec.out + ec.err).toBe(0);
    expect(ec.out).toContain(`${f.ecGood!.cert}: OK`);
    expect(ec.out).not.toContain("FAIL");
    const rsa = await verify(["--ca-cert", f.rsaCa!.cert, "--cert", f.rsaGood!.cert, "--key", f.rsaGood!.key, "--host", "rsa.example.com", "--host", "10.1.2.4"]);
    expect(rsa.code, rsa.out + rsa.err).toBe(0);
    for (const [ca, cert] of [[f.ecCa!, f.ecGood!], [f.rsaCa!, f.rsaGood!]] as const) {
      for (const purpose of ["sslserver", "sslclient"]) ok(openssl(["verify", "-CAfile", ca.cert, "-purpose", purpose, cert.cert]), `openssl verify ${purpose}`);
    }
    // No EKU at all means any purpose, for raytls as for openssl.
    const noEku = await verify(["--ca-cert", f.ecCa!.cert, "--cert", f.noEku!.cert]);
    expect(noEku.code, noEku.out).toBe(0);
    ok(openssl(["verify", "-CAfile", f.ecCa!.cert, "-purpose", "sslclient", f.noEku!.cert]), "openssl verify no-eku");
  });

  it("verify: a certificate from another CA fails (exit 1), as openssl verify agrees", async () => {
    const r = await verify(["--ca-cert", f.rsaCa!.cert, "--cert", f.ecGood!.cert]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL\s+chain: certificate verify failed: issued by .*ec interop CA.*, not by the CA/);
    expect(openssl(["verify", "-CAfile", f.rsaCa!.cert, f.ecGood!.cert]).code).not.toBe(0);
    // Same CA name, other key.
    const imp = await verify(["--ca-cert", f.impostorCa!.cert, "--cert", f.ecGood!.cert]);
    expect(imp.code).toBe(1);
    expect(imp.out).toContain("has the CA's name, but the authority key identifier");
    expect(openssl(["verify", "-CAfile", f.impostorCa!.cert, f.ecGood!.cert]).code).not.toBe(0);
  });

  it("verify: an expired certificate fails (exit 1), as openssl verify agrees", async () => {
    const r = await verify(["--ca-cert", f.ecCa!.cert, "--cert", f.expired!.cert, "--host", "good.example.com"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("FAIL  validity: certificate expired on 2021-01-01T00:00:00.000Z");
    const o = openssl(["verify", "-CAfile", f.ecCa!.cert, f.expired!.cert]);
    expect(o.code).not.toBe(0);
    expect(o.out + o.err).toContain("certificate has expired");
    // Judged at a time inside its window, it passes.
    const then = await verify(["--ca-cert", f.ecCa!.cert, "--cert", f.expired!.cert, "--at", "2020-06-01T00:00:00Z"]);
    // (the CA itself was made now, so at 2020 it is not yet valid: the CA, not the leaf, fails)
    expect(then.out).not.toContain("certificate expired");
    // And a good certificate judged before its notBefore fails.
    const early = await verify(["--ca-cert", f.ecCa!.cert, "--cert", f.ecGood!.cert, "--at", "2020-01-01T00:00:00Z"]);
    expect(early.code).toBe(1);
    expect(early.out).toContain("certificate is not valid before");
  });

  it("verify: a serverAuth-only certificate fails the default purpose (both) and passes --purpose server, as openssl agrees", async () => {
    const both = await verify(["--ca-cert", f.ecCa!.cert, "--cert", f.serverOnly!.cert]);
    expect(both.code).toBe(1);
    expect(both.out).toContain("extended key usage lacks clientAuth");
    expect((await verify(["--ca-cert", f.ecCa!.cert, "--cert", f.serverOnly!.cert, "--purpose", "server"])).code).toBe(0);
    expect((await verify(["--ca-cert", f.ecCa!.cert, "--cert", f.serverOnly!.cert, "--purpose", "client"])).code).toBe(1);
    ok(openssl(["verify", "-CAfile", f.ecCa!.cert, "-purpose", "sslserver", f.serverOnly!.cert]), "sslserver");
    expect(openssl(["verify", "-CAfile", f.ecCa!.cert, "-purpose", "sslclient", f.serverOnly!.cert]).code).not.toBe(0);
    // and the mirror image
    const c = await verify(["--ca-cert", f.ecCa!.cert, "--cert", f.clientOnly!.cert]);
    expect(c.code).toBe(1);
    expect(c.out).toContain("extended key usage lacks serverAuth");
    expect((await verify(["--ca-cert", f.ecCa!.cert, "--cert", f.clientOnly!.cert, "--purpose", "client"])).code).toBe(0);
    expect(openssl(["verify", "-CAfile", f.ecCa!.cert, "-purpose", "sslserver", f.clientOnly!.cert]).code).not.toBe(0);
  });

  it("verify: a key that is not the certificate's fails (exit 1), as openssl agrees", async () => {
    for (const key of [f.other!.key, f.rsaGood!.key]) {
      const r = await verify(["--ca-cert", f.ecCa!.cert, "--cert", f.ecGood!.cert, "--key", key]);
      expect(r.code).toBe(1);
      expect(r.out).toContain(`FAIL  key: ${key} does not match the certificate's public key`);
      const fromKey = ok(openssl(["pkey", "-in", key, "-pubout"]), "pkey");
      expect(fromKey).not.toBe(ok(openssl(["x509", "-in", f.ecGood!.cert, "-noout", "-pubkey"]), "pubkey"));
    }
  });

  it("verify: a host not in the SANs fails with gRPC's words (exit 1), as openssl -checkhost/-checkip agree", async () => {
    for (const host of ["other.example.com", "good.example.org", "a.b.apps.example.com", "10.1.2.99", "fd00::6"]) {
      const r = await verify(["--ca-cert", f.ecCa!.cert, "--cert", f.ecGood!.cert, "--host", "good.example.com", "--host", host]);
      expect(r.code, host).toBe(1);
      expect(r.out).toContain(`Peer name ${host} is not in peer certificate`);
      expect(r.out).toContain("ok    host: good.example.com matches");
      const check = host.includes(":") || /^\d/.test(host) ? ["-checkip", host] : ["-checkhost", host];
      expect(ok(openssl(["x509", "-in", f.ecGood!.cert, "-noout", ...check]), "checkhost")).toContain("does NOT match");
    }
  });
});
