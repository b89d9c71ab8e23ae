/**
 * The signer in its own network namespace, a head and two workers in theirs (issue 5): each pod
 * gets exactly its own IP; claims on another pod's IP, a worker token asking for head, a bad token
 * and extra names are refused with nothing written; a pod started before the signer still
 * succeeds; 80 concurrent requests from two pods get unique serials; the signer SIGKILLed in the
 * middle of a burst and restarted still leaves every pod with a certificate; the CA key is in no
 * file outside the signer's directory. All processes run as `ip netns exec NS node <cli> ...`.
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCa } from "../../src/pki/ca.js";
import { buildCliBundle } from "../lab/cli-bundle.js";
import { NetnsFixture, netnsSkip, type NetnsChild, type Party } from "../helpers/netns-fixture.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { waitFor, waitForOutput } from "../helpers/wait.js";

const why = await netnsSkip("signer netns tests");

const FQDN = "rc-head-svc.default.svc.cluster.local";
const root = useTempDir("raytls-signer-netns-").dir;
const signerDir = path.join(root, "signer");
const net = new NetnsFixture("sig");
let cli = "";
let burst = "";
let cleanupBundle: (() => void) | undefined;
let caKeyPem = "";
let S: Party, H: Party, W1: Party, W2: Party;

beforeAll(async () => {
  if (why) return;
  const bundle = await buildCliBundle();
  cli = bundle.entry;
  cleanupBundle = bundle.cleanup;
  burst = path.join(root, "burst.mjs");
  await build({
    entryPoints: [fileURLToPath(new URL("./burst-client.ts", import.meta.url))], bundle: true, platform: "node", target: "node20", format: "esm", outfile: burst, logLevel: "error",
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  const ca = await createCa({ subject: "/CN=signer netns CA" });
  caKeyPem = ca.keyPem;
  mkdirSync(signerDir, { mode: 0o700 });
  writeFileSync(path.join(signerDir, "ca.crt"), ca.certPem);
  writeFileSync(path.join(signerDir, "ca.key"), ca.keyPem, { mode: 0o400 });
  writeFileSync(path.join(signerDir, "head.token"), "head-" + "h".repeat(40));
  writeFileSync(path.join(signerDir, "worker.token"), "worker-" + "w".repeat(40));
  for (const pod of ["head", "worker-1", "worker-2"]) {
    const d = path.join(root, "pods", pod);
    mkdirSync(d, { recursive: true });
    // What Kubernetes mounts into a pod's init container: ca.crt (ConfigMap) and its role's token.
    copyFileSync(path.join(signerDir, "ca.crt"), path.join(d, "ca.crt"));
    copyFileSync(path.join(signerDir, pod === "head" ? "head.token" : "worker.token"), path.join(d, "token"));
  }
  writeFileSync(path.join(root, "pods", "worker-1", "bad-token"), "worker-" + "x".repeat(40));
  writeFileSync(path.join(root, "pods", "worker-1", "head-token-stolen"), "nothing");
  S = await net.add("signer", 1);
  H = await net.add("head", 2);
  W1 = await net.add("worker-1", 3);
  W2 = await net.add("worker-2", 4);
}, 120_000);

afterAll(async () => {
  await net.destroy();
  cleanupBundle?.();
});

function startSigner(port = 8443) {
  const child = net.spawn(S, process.execPath, [
    cli, "signer", "serve", "--ca-dir", signerDir, "--listen", `${S.ip}:${port}`,
    "--head-token-file", path.join(signerDir, "head.token"), "--worker-token-file", path.join(signerDir, "worker.token"),
    "--head-fqdn", FQDN, "--serving-dns", "rc-signer.default.svc.cluster.local", "--audit-log", path.join(root, "logs", `audit-${port}.log`),
  ], { cwd: root });
  return child;
}

const signerReady = (signer: NetnsChild) => waitForOutput(signer, /raytls signer listening/, { seen: signer.stderrText(), what: "the signer's listening line" });

const podDir = (pod: string) => path.join(root, "pods", pod);
type PodCertOptions = { port?: number; token?: string; podIp?: string; retry?: number };
function podCertArgs(party: Party, pod: string, out: string, extra: string[], o: PodCertOptions): string[] {
  const role = pod === "head" ? ["--role", "head", "--head-fqdn", FQDN] : ["--role", "worker"];
  return [
    cli, "pod-cert", ...role, "--pod-ip", o.podIp ?? party.ip, "--signer", `https://${S.ip}:${o.port ?? 8443}`,
    "--token-file", path.join(podDir(pod), o.token ?? "token"), "--ca-cert", path.join(podDir(pod), "ca.crt"),
    "--retry-seconds", String(o.retry ?? 5), "--out", path.join(podDir(pod), out), ...extra,
  ];
}
function podCert(party: Party, pod: string, out: string, extra: string[], o: PodCertOptions = {}) {
  return net.exec(party, process.execPath, podCertArgs(party, pod, out, extra, o), { cwd: root });
}

const ipSans = (file: string) => new X509Certificate(readFileSync(file)).subjectAltName!.split(", ").filter((s) => s.startsWith("IP Address:")).map((s) => s.slice(11));

describe.skipIf(Boolean(why))("signer in network namespaces", () => {
  it("each pod gets a certificate for exactly its own IP; refusals write nothing", async () => {
    const signer = startSigner();
    await signerReady(signer);
    const [h, w1, w2] = await Promise.all([podCert(H, "head", "tls", []), podCert(W1, "worker-1", "tls", []), podCert(W2, "worker-2", "tls", [])]);
    for (const r of [h, w1, w2]) expect(r.code, r.err).toBe(0);
    expect(ipSans(path.join(podDir("head"), "tls/tls.crt"))).toEqual(["127.0.0.1", H.ip]);
    expect(ipSans(path.join(podDir("worker-1"), "tls/tls.crt"))).toEqual(["127.0.0.1", W1.ip]);
    expect(ipSans(path.join(podDir("worker-2"), "tls/tls.crt"))).toEqual(["127.0.0.1", W2.ip]);
    expect(new X509Certificate(readFileSync(path.join(podDir("head"), "tls/tls.crt"))).subjectAltName).toContain(`DNS:${FQDN}`);
    expect(statSync(path.join(podDir("worker-1"), "tls/tls.key")).mode & 0o777).toBe(0o600);

    const refusals: Array<[Promise<{ code: number; err: string }>, RegExp, string]> = [
      [podCert(W1, "worker-1", "r-other-ip", [], { podIp: W2.ip }), new RegExp(`403 policy.*IP:${W2.ip.replace(/\./g, "\\.")}`), "r-other-ip"],
      [net.exec(W1, process.execPath, [cli, "pod-cert", "--role", "head", "--head-fqdn", FQDN, "--pod-ip", W1.ip, "--signer", `https://${S.ip}:8443`, "--token-file", path.join(podDir("worker-1"), "token"), "--ca-cert", path.join(podDir("worker-1"), "ca.crt"), "--out", path.join(podDir("worker-1"), "r-head")], { cwd: root }), /403 wrong-role.*grants the worker role, not head/, "r-head"],
      [podCert(W1, "worker-1", "r-bad-token", [], { token: "bad-token" }), /401 bad-token/, "r-bad-token"],
      [podCert(W1, "worker-1", "r-extra-ip", ["--ip", "10.99.0.1"]), /403 policy.*IP:10\.99\.0\.1/, "r-extra-ip"],
      [podCert(W1, "worker-1", "r-extra-dns", ["--dns", "rc-head-svc"]), /403 policy.*DNS:rc-head-svc/, "r-extra-dns"],
      [podCert(H, "head", "r-head-extra-dns", ["--dns", "evil.example.com"]), /403 policy.*DNS:evil\.example\.com/, "r-head-extra-dns"],
    ];
    for (const [p, message, out] of refusals) {
      const r = await p;
      expect(r.code, r.err).toBe(1);
      expect(r.err).toMatch(message);
      const owner = out === "r-head-extra-dns" ? "head" : "worker-1";
      expect(existsSync(path.join(podDir(owner), out))).toBe(false);
    }
    const audit = readFileSync(path.join(root, "logs", "audit-8443.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(audit.filter((a) => a.decision === "issued").map((a) => a.peerIp).sort()).toEqual([H.ip, W1.ip, W2.ip].sort());
    expect(audit.filter((a) => a.decision === "refused").length).toBe(6);
    process.kill(signer.pid!, "SIGTERM");
    await new Promise((r) => signer.once("exit", r));
  }, 90_000);

  it("a pod-cert started before the signer (and refused by the empty port) succeeds once it is up", async () => {
    const child = net.spawn(W2, process.execPath, podCertArgs(W2, "worker-2", "early", [], { port: 8444, retry: 30 }), { cwd: root });
    const exited = new Promise<number>((r) => child.once("exit", (c) => r(c ?? -1)));
    await waitForOutput(child, /waiting for the signer \(ECONNREFUSED/, { what: "pod-cert's first refused attempt" });
    const signer = startSigner(8444);
    await signerReady(signer);
    const r = { code: await exited, err: child.stderrText() };
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/waiting for the signer \(ECONNREFUSED/);
    expect(ipSans(path.join(podDir("worker-2"), "early/tls.crt"))).toEqual(["127.0.0.1", W2.ip]);
    process.kill(signer.pid!, "SIGTERM");
    await new Promise((r) => signer.once("exit", r));
  }, 60_000);

  it("80 concurrent requests from two pods all succeed with unique serials", async () => {
    const signer = startSigner(8445);
    await signerReady(signer);
    const runBurst = (p: Party, pod: string) => net.exec(p, process.execPath, [burst, `https://${S.ip}:8445`, path.join(podDir(pod), "token"), path.join(podDir(pod), "ca.crt"), p.ip, "40", "20"], { cwd: root });
    const [a, b] = await Promise.all([runBurst(W1, "worker-1"), runBurst(W2, "worker-2")]);
    const ra = JSON.parse(a.out);
    const rb = JSON.parse(b.out);
    expect(ra.failures, a.err).toEqual([]);
    expect(rb.failures, b.err).toEqual([]);
    const serials = [...ra.serials, ...rb.serials];
    expect(serials).toHaveLength(80);
    expect(new Set(serials).size).toBe(80);
    expect(ra.sans).toEqual([`DNS:localhost,IP:127.0.0.1,IP:${W1.ip}`]);
    expect(rb.sans).toEqual([`DNS:localhost,IP:127.0.0.1,IP:${W2.ip}`]);
    process.kill(signer.pid!, "SIGTERM");
    await new Promise((r) => signer.once("exit", r));
  }, 90_000);

  it("the signer SIGKILLed mid-burst and restarted: every pod still ends with a certificate", async () => {
    let signer = startSigner(8446);
    await signerReady(signer);
    const runBurst = (p: Party, pod: string) => net.exec(p, process.execPath, [burst, `https://${S.ip}:8446`, path.join(podDir(pod), "token"), path.join(podDir(pod), "ca.crt"), p.ip, "40", "30"], { cwd: root });
    const all = Promise.all([
      runBurst(W1, "worker-1"),
      runBurst(W2, "worker-2"),
      podCert(H, "head", "after-kill", [], { port: 8446, retry: 30 }),
      podCert(W1, "worker-1", "after-kill", [], { port: 8446, retry: 30 }),
      podCert(W2, "worker-2", "after-kill", [], { port: 8446, retry: 30 }),
    ]);
    // Kill once the first certificates are out, i.e. really in the middle of the burst.
    const log = path.join(root, "logs", "audit-8446.log");
    await waitFor("the first certificates of the burst in the audit log", () => existsSync(log) && readFileSync(log, "utf8").split("\n").length > 5, { intervalMs: 10 });
    process.kill(signer.pid!, "SIGKILL");
    await new Promise((r) => signer.once("exit", r));
    const issuedBeforeKill = readFileSync(log, "utf8").trim().split("\n").length;
    // An outage, not a readiness wait: the clients must meet a dead signer for a while.
    await new Promise((r) => setTimeout(r, 1000));
    signer = startSigner(8446);
    await signerReady(signer);
    const [a, b, h, w1, w2] = await all;
    for (const r of [h, w1, w2]) expect(r.code, r.err).toBe(0);
    expect(JSON.parse(a.out).failures, a.err).toEqual([]);
    expect(JSON.parse(b.out).failures, b.err).toEqual([]);
    expect(issuedBeforeKill).toBeLessThan(80 + 3);
    expect(ipSans(path.join(podDir("head"), "after-kill/tls.crt"))).toEqual(["127.0.0.1", H.ip]);
    expect(ipSans(path.join(podDir("worker-1"), "after-kill/tls.crt"))).toEqual(["127.0.0.1", W1.ip]);
    expect(ipSans(path.join(podDir("worker-2"), "after-kill/tls.crt"))).toEqual(["127.0.0.1", W2.ip]);
    process.kill(signer.pid!, "SIGTERM");
    await new Promise((r) => signer.once("exit", r));
  }, 120_000);

  it("the CA key is in no file outside the signer's directory", () => {
    // The private scalar in every encoding a file could carry it, and the PEM body as a whole
    // (the public point is also in ca.crt, so single PEM lines are no proof either way).
    const d = Buffer.from(createPrivateKey(caKeyPem).export({ format: "jwk" }).d!, "base64url");
    const probes = [d.toString("hex"), d.toString("base64").replace(/=+$/, ""), d.toString("base64url"), caKeyPem.replace(/-----[^-]+-----|\s/g, "")];
    const hits: string[] = [];
    let scanned = 0;
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (p === signerDir) continue;
        if (e.isDirectory()) walk(p);
        else if (e.isFile()) {
          scanned++;
          const bytes = readFileSync(p);
          const text = bytes.toString("latin1").replace(/\s/g, "");
          if (bytes.includes(d) || probes.some((x) => text.includes(x))) hits.push(p);
          for (const m of bytes.toString("latin1").matchAll(/-----BEGIN (?:EC )?PRIVATE KEY-----[^-]+-----END (?:EC )?PRIVATE KEY-----/g)) {
            if (createPrivateKey(m[0]).export({ format: "jwk" }).d === d.toString("base64url")) hits.push(p);
          }
        }
      }
    };
    walk(root);
    expect(scanned).toBeGreaterThan(20);
    expect(hits).toEqual([]);
    // The probe does find the key where it is.
    expect(readFileSync(path.join(signerDir, "ca.key"), "latin1").replace(/\s/g, "")).toContain(probes[3]);
  });

  it("cleanup leaves no namespace of this run", async () => {
    await net.destroy();
    expect(await net.remaining()).toEqual([]);
  });
});
