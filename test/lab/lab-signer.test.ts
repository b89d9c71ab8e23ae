/**
 * `raytls lab up --signer` and `raytls demo --signer` (issue 5, "Local cluster"): the signer alone
 * holds the CA key; each pod's own `pod-cert --signer` process gets a certificate for exactly its
 * own IP (loopback: bound with --source-ip; netns: the pod's namespace address); Step 4 still works;
 * no file under pods/ holds the CA key; `lab down` leaves no process and no namespace.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { labDown, labStatus, labUp, type LabUpResult } from "../../src/lab/lab.js";
import { execInPod } from "../../src/lab/pod-exec.js";
import { isAlive } from "../../src/lab/lab-processes.js";
import { filesContainingKey, readAudit } from "../../src/lab/lab-signer.js";
import { listLabNetns } from "../../src/lab/netns.js";
import { netnsSkip } from "../helpers/netns-fixture.js";
import { freePort } from "../helpers/ports.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { buildCliBundle } from "./cli-bundle.js";

let bundle: Awaited<ReturnType<typeof buildCliBundle>>;
const tmp = useTempDir("raytls-lab-signer-");
const labs: Array<{ dir: string; name: string }> = [];

const netnsWhy = await netnsSkip("netns signer lab test");

beforeAll(async () => {
  bundle = await buildCliBundle();
});
afterAll(async () => {
  for (const l of labs) await labDown(l.dir, l.name).catch(() => undefined);
  bundle?.cleanup();
});

/** IP and DNS SANs of a certificate, sorted. */
function sansOf(certFile: string): { ips: string[]; dns: string[] } {
  const alt = new X509Certificate(readFileSync(certFile)).subjectAltName ?? "";
  const parts = alt.split(", ");
  return {
    ips: parts.filter((p) => p.startsWith("IP Address:")).map((p) => p.slice("IP Address:".length)).sort(),
    dns: parts.filter((p) => p.startsWith("DNS:")).map((p) => p.slice(4)).sort(),
  };
}

async function checkSignerLab(up: LabUpResult, dir: string, name: string): Promise<void> {
  const { plan } = up.state;
  const sp = plan.signer!;
  expect(up.nodes.every((n) => n.alive && n.dialBackOk)).toBe(true);
  // the CA key: only in signer/, 0400
  expect(statSync(sp.caKey).mode & 0o777).toBe(0o400);
  expect(statSync(sp.headTokenFile).mode & 0o777).toBe(0o600);
  expect(statSync(sp.workerTokenFile).mode & 0o777).toBe(0o600);
  const caKeyPem = readFileSync(sp.caKey, "utf8");
  const scan = await filesContainingKey(join(dir, "pods"), caKeyPem);
  expect(scan.scanned).toBeGreaterThanOrEqual(plan.pods.length * 5);
  expect(scan.hits).toEqual([]);
  // the scanner does find the key where it is
  expect((await filesContainingKey(sp.dir, caKeyPem)).hits).toEqual(["ca.key"]);
  const caKeyBytes = readFileSync(sp.caKey);
  for (const p of plan.pods) {
    for (const f of ["tls/tls.crt", "tls/tls.key", "tls/ca.crt", "init/token", "init/ca.crt", "ray.env"]) {
      expect(readFileSync(join(dir, "pods", p.name, f)).includes(caKeyBytes), `${p.name}/${f}`).toBe(false);
    }
    // the token file is the pod's own role's
    expect(readFileSync(p.init!.tokenFile, "utf8")).toBe(readFileSync(p.role === "head" ? sp.headTokenFile : sp.workerTokenFile, "utf8"));
    expect(statSync(p.init!.tokenFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(p.tlsDir, "tls.key")).mode & 0o777).toBe(0o600);
    // exactly its own IP (+127.0.0.1); the head also its FQDN
    const s = sansOf(join(p.tlsDir, "tls.crt"));
    expect(s.ips, p.name).toEqual(["127.0.0.1", p.ip].sort());
    expect(s.dns, p.name).toEqual(p.role === "head" ? [plan.headFqdn, "localhost"].sort() : ["localhost"]);
  }
  const audit = await readAudit(sp);
  const issued = audit.filter((r) => r.decision === "issued");
  expect(issued).toHaveLength(plan.pods.length);
  expect(issued.map((r) => r.peerIp).sort()).toEqual(plan.pods.map((p) => p.ip).sort());

  const worker = plan.pods[1]!;
  const ok = await execInPod(worker, ["health-check", "--address", `${plan.headFqdn}:${plan.port}`]);
  expect(ok.code, ok.stderr).toBe(0);

  const st = await labStatus(dir, name);
  expect(st.signer).toMatchObject({ url: up.state.signer!.url, pid: up.state.signer!.pid, alive: true, auditLog: sp.auditLog, issued: plan.pods.length });

  const pids = [...Object.values(up.state.pids), up.state.signer!.pid];
  const down = await labDown(dir, name);
  expect(down.stopped.map((s) => s.pod)).toContain("signer");
  // lab down returns once its processes are gone (a zombie counts as gone).
  expect(pids.filter((p) => isAlive(p))).toEqual([]);
}

describe("raytls lab up --signer", () => {
  it("loopback: each pod's own process gets exactly its own IP from the signer; CA key only in signer/; down leaves nothing", async () => {
    const dir = tmp.fresh("loopback-");
    const name = "sigtest";
    labs.push({ dir, name });
    const up = await labUp({ name, namespace: "default", workers: 2, mode: "loopback", dir, port: await freePort("127.0.79.2"), loopbackBase: "127.0.79.2", signer: true });
    expect(up.state.plan.signer!.ip).toBe("127.0.0.1");
    expect(up.state.signer!.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    // the pods' init steps bound their own loopback address
    expect(up.signerRuns!.every((r) => r.exec.shown.includes("--source-ip 127.0.79."))).toBe(true);
    await checkSignerLab(up, dir, name);
  });

  it.skipIf(Boolean(netnsWhy))("netns: the signer in its own namespace; each pod asks from its namespace address", async () => {
    const dir = tmp.fresh("netns-");
    const name = `sgn${process.pid % 10000}`;
    labs.push({ dir, name });
    try {
      const up = await labUp({ name, namespace: "default", workers: 2, mode: "netns", dir, signer: true });
      expect(up.state.signer!.url).toBe("https://10.244.0.1:8443");
      expect((await listLabNetns(name)).sort()).toEqual([`raytls-${name}-head`, `raytls-${name}-net`, `raytls-${name}-signer`, `raytls-${name}-worker-1`, `raytls-${name}-worker-2`]);
      expect(up.signerRuns!.some((r) => r.exec.shown.includes("--source-ip"))).toBe(false);
      await checkSignerLab(up, dir, name);
    } finally {
      await labDown(dir, name).catch(() => undefined);
    }
    expect(await listLabNetns(name)).toEqual([]);
  });
});

describe("raytls demo --signer (process)", () => {
  it("walks the secure mode: CA key in the signer, own-IP certificates, a refusal, Step 4; exit 0, nothing left", async () => {
    const child = spawn(process.execPath, [bundle.entry, "demo", "--signer"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number>((r) => child.once("exit", (c) => r(c ?? 1)));
    expect(code, out).toBe(0);
    expect(out).toContain("its key stays in the signer");
    expect(out).toMatch(/issued +peer 127\.0\.0\.3 +worker/);
    expect(out).toContain("HTTP 403");
    expect(out).toContain("exit 1 (as expected)");
    expect(out).toContain("nothing written");
    expect(out).toMatch(/no file under pods\/ \(\d+ files\) contains the CA key/);
    expect(out).toContain("nothing left running");
    expect(out).toContain("demo passed");
  });
});
