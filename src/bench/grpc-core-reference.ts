/**
 * The `grpc` benchmark's reference: the same unary echo through gRPC C-core, the stack Ray itself
 * uses (Debian's python3-grpcio under /usr/bin/python3, src/bench/peers/grpc_core_echo.py), with
 * the same certificates, sizes and call counts, so raytls's mTLS/plaintext ratio can be read
 * against Ray's own in the same run. Unavailable (no python3-grpcio, or the peer script is not
 * shipped, as in an installed package): the bench says why and reports raytls's figures alone.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../io/package-root.js";
import { firstLine, stopChild, type BenchPki } from "./grpc-bench-peer.js";

/** Debian's interpreter, the one with python3-grpcio (the first python3 on PATH lacks it). */
const PYTHON = "/usr/bin/python3";

export interface EchoRow {
  bytes: number;
  p50_ms: number;
  mibps: number;
}

export interface CoreReference {
  /** One echo pass over every size, plaintext or mutual TLS. */
  pass(mode: "tls" | "plain", sizes: Array<{ bytes: number; calls: number }>): Promise<EchoRow[]>;
  stop(): Promise<void>;
}

/** Why the reference cannot run here, or null when it can. */
export function coreReferenceUnavailable(): string | null {
  const script = peerScript();
  if (!existsSync(script)) return `gRPC C-core reference skipped: ${script} is not here (it ships with the repository, not the package)`;
  const probe = spawnSync(PYTHON, ["-c", "import grpc"], { stdio: "ignore", timeout: 20_000 });
  if (probe.status !== 0) return `gRPC C-core reference skipped: ${PYTHON} cannot import grpc (apt-get install python3-grpcio)`;
  return null;
}

function peerScript(): string {
  return join(packageRoot(), "src", "bench", "peers", "grpc_core_echo.py");
}

function tlsArgs(pki: BenchPki, who: "server" | "client"): string[] {
  const env = who === "server" ? pki.headEnv : pki.clientEnv;
  return ["--cert", env.RAY_TLS_SERVER_CERT!, "--key", env.RAY_TLS_SERVER_KEY!, "--ca", env.RAY_TLS_CA_CERT!];
}

async function startServer(pki: BenchPki, mode: "tls" | "plain"): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(PYTHON, [peerScript(), "server", "--listen", "127.0.0.1:0", ...(mode === "tls" ? tlsArgs(pki, "server") : ["--plaintext"])], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    const { port } = await firstLine<{ port: number }>(child, `gRPC C-core echo server (${mode})`);
    return { child, port };
  } catch (err) {
    await stopChild(child);
    throw err;
  }
}

/** Starts a C-core echo server per mode; `pass` runs a C-core client process against one. */
export async function startCoreReference(pki: BenchPki): Promise<CoreReference> {
  const plain = await startServer(pki, "plain");
  let tls: Awaited<ReturnType<typeof startServer>>;
  try {
    tls = await startServer(pki, "tls");
  } catch (err) {
    await stopChild(plain.child);
    throw err;
  }
  const servers = { plain, tls };
  return {
    async pass(mode, sizes) {
      const args = [peerScript(), "client", "--target", `127.0.0.1:${servers[mode].port}`];
      args.push(...(mode === "tls" ? [...tlsArgs(pki, "client"), "--name-override", "localhost"] : ["--plaintext"]));
      for (const s of sizes) args.push("--size", `${s.bytes}:${s.calls}`);
      const child = spawn(PYTHON, args, { stdio: ["ignore", "pipe", "pipe"] });
      try {
        return await firstLine<EchoRow[]>(child, `gRPC C-core echo client (${mode})`);
      } finally {
        await stopChild(child);
      }
    },
    async stop() {
      await Promise.all([stopChild(servers.plain.child), stopChild(servers.tls.child)]);
    },
  };
}
