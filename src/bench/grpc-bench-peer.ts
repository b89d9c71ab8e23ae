/**
 * What the gRPC benchmarks run against: a `raytls node --role head` child process on 127.0.0.1
 * (its own process, so client and server do not share one event loop), with mTLS or plaintext,
 * certificates from src/pki in a temporary directory. Stopped by PID; the directory is removed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCa, loadCa } from "../pki/ca.js";
import { issuePodCert } from "../pki/issue.js";
import { raytlsCommand } from "../io/package-root.js";
import { healthCheck } from "../ray/health-check.js";
import type { ClientTls } from "../ray/client-tls.js";
import { benchPeerError } from "./scenario.js";

export interface BenchPki {
  dir: string;
  headEnv: Record<string, string>;
  clientEnv: Record<string, string>;
  client: ClientTls;
  cleanup(): void;
}

export async function makeBenchPki(): Promise<BenchPki> {
  const dir = mkdtempSync(join(tmpdir(), "raytls-bench-"));
  const ca = await createCa({ days: 2 });
  const loaded = loadCa(ca.certPem, ca.keyPem);
  const head = issuePodCert({ ca: loaded, role: "head", podIp: "127.0.0.1", headFqdn: "raycluster-tls-head-svc.default.svc.cluster.local", days: 2 });
  const client = issuePodCert({ ca: loaded, role: "worker", podIp: "127.0.0.1", days: 2 });
  const w = (name: string, data: string) => {
    const p = join(dir, name);
    writeFileSync(p, data, { mode: 0o600 });
    return p;
  };
  const caFile = w("ca.crt", ca.certPem);
  const env = (cert: string, key: string) => ({ RAY_USE_TLS: "1", RAY_TLS_SERVER_CERT: cert, RAY_TLS_SERVER_KEY: key, RAY_TLS_CA_CERT: caFile });
  return {
    dir,
    headEnv: env(w("head.crt", head.certPem), w("head.key", head.keyPem)),
    clientEnv: env(w("client.crt", client.certPem), w("client.key", client.keyPem)),
    client: { cert: Buffer.from(client.certPem), key: Buffer.from(client.keyPem), ca: Buffer.from(ca.certPem) },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface BenchHead {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** Resolves with a child's first stdout line, parsed as JSON; the process is left running. */
export function firstLine<T>(child: ChildProcess, what: string): Promise<T> {
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", (line) => {
      lines.close();
      try {
        resolve(JSON.parse(line) as T);
      } catch {
        reject(benchPeerError(`${what} printed ${JSON.stringify(line)}: ${stderr}`));
      }
    });
    child.once("exit", (code) => reject(benchPeerError(`${what} exited ${code}: ${stderr.trim()}`)));
  });
}

/** SIGTERM to a child this process started, SIGKILL after 3 s; resolves once it has exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const t = setTimeout(() => child.kill("SIGKILL"), 3000);
  await gone;
  clearTimeout(t);
}

/** Starts a head (TLS when `tlsEnv` is given) and waits until it answers a health check. */
export async function startBenchHead(tlsEnv: Record<string, string> | null, client: ClientTls | null): Promise<BenchHead> {
  const port = await freePort();
  const { cmd, args } = raytlsCommand();
  const child: ChildProcess = spawn(cmd, [...args, "node", "--role", "head", "--bind", "127.0.0.1", "--port", String(port), "--bench-echo"], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...(tlsEnv ?? {}) },
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const stop = () => stopChild(child);
  const until = Date.now() + 15_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw benchPeerError(`bench head exited: ${stderr}`);
    const r = await healthCheck({ address: `127.0.0.1:${port}`, tls: client, protocol: "grpc-health", timeoutMs: 1000, diagnose: false });
    if (r.ok) return { port, pid: child.pid!, stop };
    await new Promise((res) => setTimeout(res, 100));
  }
  await stop();
  throw benchPeerError(`bench head did not come up: ${stderr}`);
}
