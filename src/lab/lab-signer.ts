/**
 * The secure mode in a lab (`raytls lab up --signer`): the CA key lives only in DIR/signer and is
 * read only by a `raytls signer serve` process; each pod gets its certificate by running
 * `raytls pod-cert --signer` as its own process (in its namespace in netns mode) before its
 * `raytls node` starts, exactly as `manifest --mode signer`'s init containers do. The pod's key is
 * made in that process and written only to the pod's own tls/ directory.
 */
import { createPrivateKey, randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import { join, relative } from "node:path";
import { RaytlsError } from "../errors.js";
import { createCa } from "../pki/ca.js";
import type { San } from "../pki/san.js";
import { writeFilesAtomically } from "../io/secure-files.js";
import type { AuditRecord } from "../signer/audit.js";
import type { LabPlan, PodPlan, SignerPlan } from "./lab-plan.js";
import type { LabPkiResult } from "./lab-pki.js";
import { isAlive, startRaytls } from "./lab-processes.js";
import { execInPod, type ExecResult } from "./pod-exec.js";

/** A random bearer token: 32 bytes, base64url (as `manifest --mode signer` makes them). */
export function randomToken(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * The signer's files: CA (ca.key 0400), one random token per role (0600), and for each pod only
 * what its init container would mount: its role's token (0600) and ca.crt. No CA key under pods/.
 */
export async function makeSignerFiles(plan: LabPlan): Promise<{ caCert: string; caKey: string; caNotAfter: string }> {
  const sp = plan.signer!;
  const ca = await createCa({ days: 30, subject: `/CN=raytls lab CA ${plan.name}/O=raytls`, now: new Date() });
  const tokens = { head: randomToken(), worker: randomToken() };
  await fsp.mkdir(sp.dir, { recursive: true, mode: 0o700 });
  await writeFilesAtomically(
    [
      { path: sp.caCert, data: ca.certPem, mode: 0o644 },
      { path: sp.caKey, data: ca.keyPem, mode: 0o400 },
      { path: sp.headTokenFile, data: tokens.head + "\n", mode: 0o600 },
      { path: sp.workerTokenFile, data: tokens.worker + "\n", mode: 0o600 },
    ],
    { force: true },
  );
  await writeFilesAtomically(
    plan.pods.flatMap((p) => [
      { path: p.init!.tokenFile, data: tokens[p.role] + "\n", mode: 0o600 },
      { path: p.init!.caCert, data: ca.certPem, mode: 0o644 },
    ]),
    { force: true },
  );
  return { caCert: sp.caCert, caKey: sp.caKey, caNotAfter: ca.notAfter.toISOString() };
}

/** `raytls signer serve` for the lab, detached, in its own namespace in netns mode. Returns its PID. */
export function startSignerProcess(plan: LabPlan): number {
  const sp = plan.signer!;
  const args = [
    "signer", "serve",
    "--ca-dir", sp.dir,
    "--listen", `${sp.ip}:${sp.port}`,
    "--head-token-file", sp.headTokenFile,
    "--worker-token-file", sp.workerTokenFile,
    "--head-fqdn", plan.headFqdn,
    ...sp.headDns.flatMap((d) => ["--head-dns", d]),
    "--audit-log", sp.auditLog,
    "--days", "7",
  ];
  return startRaytls(args, { log: sp.log, ...(sp.netns ? { netns: sp.netns } : {}) });
}

/** Waits for the signer's "listening on URL" line in its log; the URL (with the port it got). */
export async function waitSignerReady(sp: SignerPlan, pid: number, timeoutMs = 15_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const text = await fsp.readFile(sp.log, "utf8").catch(() => "");
    const m = /raytls signer listening on (https:\/\/\S+)/.exec(text);
    if (m) return m[1]!;
    if (!isAlive(pid) || Date.now() > until) {
      throw new RaytlsError("signer-not-ready", `the lab's signer (pid ${pid}) ${isAlive(pid) ? `did not start listening in ${timeoutMs} ms` : "exited"}: ${text.trim().split("\n").slice(-3).join(" | ") || "no output"}`, {
        hint: `see ${sp.log}`,
        kind: "check",
      });
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface PodCertRun {
  pod: string;
  exec: ExecResult;
  /** `pod-cert --json` output on success. */
  result?: { sans: string[]; serial: string; notAfter: string; attempts: number; files: { key: string; cert: string; ca: string } };
}

/**
 * The pod's init step: `raytls pod-cert --signer URL --token-file F --ca-cert F --role R
 * --pod-ip IP [--head-fqdn ...] --out pods/<pod>/tls`, run as the pod's own process (its
 * environment; its namespace in netns mode). In loopback mode `--source-ip` binds the pod's
 * 127.0.0.x, so the signer sees the pod's own address as it would on a pod network.
 */
export async function podCertFromSigner(
  plan: LabPlan,
  pod: PodPlan,
  url: string,
  o: { dns?: string[]; force?: boolean; out?: string; role?: "head" | "worker"; podIp?: string; retrySeconds?: number } = {},
): Promise<PodCertRun> {
  const role = o.role ?? pod.role;
  const args = [
    "pod-cert", "--signer", url,
    "--token-file", pod.init!.tokenFile,
    "--ca-cert", pod.init!.caCert,
    "--role", role,
    "--pod-ip", o.podIp ?? pod.ip,
    ...(role === "head" ? ["--head-fqdn", plan.headFqdn] : []),
    ...(o.dns ?? []).flatMap((d) => ["--dns", d]),
    ...(pod.netns ? [] : ["--source-ip", pod.ip]),
    "--retry-seconds", String(o.retrySeconds ?? 20),
    "--out", o.out ?? pod.tlsDir,
    ...(o.force ? ["--force"] : []),
    "--json",
  ];
  const exec = await execInPod(pod, args, 30_000);
  exec.shown = exec.shown.replace(/ --json$/, "").split(plan.dir + "/").join("");
  if (exec.code !== 0) return { pod: pod.name, exec };
  try {
    return { pod: pod.name, exec, result: JSON.parse(exec.stdout) as PodCertRun["result"] };
  } catch {
    return { pod: pod.name, exec };
  }
}

/** Every pod's init step at once (init containers of different pods run in parallel). Throws on the first failure. */
export async function issueAllFromSigner(plan: LabPlan, url: string): Promise<{ runs: PodCertRun[]; pods: LabPkiResult["pods"] }> {
  const runs = await Promise.all(plan.pods.map((p) => podCertFromSigner(plan, p, url)));
  const failed = runs.find((r) => !r.result);
  if (failed) {
    const why = (failed.exec.stderr || failed.exec.stdout).trim().split("\n")[0] ?? `exit ${failed.exec.code}`;
    throw new RaytlsError("pod-cert-failed", `pod ${failed.pod} got no certificate from the signer: ${why}`, { hint: `see ${plan.signer!.auditLog} and ${plan.signer!.log}`, kind: "check" });
  }
  const pods = runs.map((r) => {
    const pod = plan.pods.find((p) => p.name === r.pod)!;
    return { name: pod.name, cert: r.result!.files.cert, key: r.result!.files.key, ca: r.result!.files.ca, sans: parseSans(r.result!.sans), notAfter: r.result!.notAfter };
  });
  return { runs, pods };
}

/** "DNS:localhost", "IP:10.0.0.5" -> San. */
export function parseSans(list: string[]): San[] {
  return list.map((s) => {
    const i = s.indexOf(":");
    return { type: s.slice(0, i).toUpperCase() === "IP" ? "ip" : "dns", value: s.slice(i + 1) } as San;
  });
}

/** The signer's audit log, one record per decision. */
export async function readAudit(sp: SignerPlan): Promise<AuditRecord[]> {
  const text = await fsp.readFile(sp.auditLog, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as AuditRecord);
}

/** One audit record as a short line: `issued worker 127.0.0.3 IP:127.0.0.1, IP:127.0.0.3 serial 5f...`. */
export function formatAudit(r: AuditRecord): string {
  const who = `${r.role ?? "-"}${r.requestedRole && r.requestedRole !== r.role ? ` (asked for ${r.requestedRole})` : ""}`;
  const what =
    r.decision === "issued" ? `${(r.sans ?? []).join(", ")} serial ${r.serial?.slice(0, 12)}...` :
    r.decision === "summary" ? `${r.count} more refusals since ${r.since} (${Object.entries(r.statuses ?? {}).map(([s, n]) => `HTTP ${s} x${n}`).join(", ")})` :
    `${r.status ? `HTTP ${r.status}: ` : ""}${r.reason}${r.sans ? ` [asked: ${r.sans.join(", ")}]` : ""}`;
  return `${r.decision.padEnd(7)} peer ${r.peerIp.padEnd(11)} ${who}: ${what}`;
}

/**
 * Files under `root` whose bytes contain the CA key: its PEM text, its base64 body, its DER
 * (PKCS#8), or its secret scalar alone (JWK `d`, raw bytes). Not any line of the PEM: for an EC
 * key those encode the public point, which every certificate of that key carries. The lab's own
 * promise: no such file under pods/.
 */
export async function filesContainingKey(root: string, keyPem: string): Promise<{ scanned: number; hits: string[] }> {
  const key = createPrivateKey(keyPem);
  const body = keyPem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  const der = key.export({ format: "der", type: "pkcs8" });
  const secret = Buffer.from(String(key.export({ format: "jwk" }).d ?? ""), "base64url");
  const needles = [Buffer.from(keyPem), Buffer.from(body), Buffer.from(body, "base64"), der, secret].filter((n) => n.length >= 16);
  let scanned = 0;
  const hits: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await fsp.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        scanned++;
        const data = await fsp.readFile(p);
        if (needles.some((n) => data.includes(n))) hits.push(relative(root, p));
      }
    }
  };
  await walk(root);
  return { scanned, hits };
}
