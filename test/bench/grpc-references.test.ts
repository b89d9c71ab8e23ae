/**
 * The grpc benchmark's references, run for real (not timed): the gRPC C-core echo peer and the
 * bare-socket echo server each echo every byte back over mutual TLS and plaintext, and the TLS
 * echo refuses a client without a certificate.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { connect as tlsConnect } from "node:tls";
import { firstLine, makeBenchPki, stopChild, type BenchPki } from "../../src/bench/grpc-bench-peer.js";
import { coreReferenceUnavailable, startCoreReference } from "../../src/bench/grpc-core-reference.js";
import { socketEchoRun } from "../../src/bench/socket-echo.js";
import { BIN } from "../helpers/cli.js";

const coreSkip = coreReferenceUnavailable();
if (coreSkip) console.warn(`SKIP gRPC C-core reference test: ${coreSkip}`);

let pki: BenchPki;
beforeAll(async () => {
  pki = await makeBenchPki();
});
afterAll(() => pki?.cleanup());

describe.skipIf(Boolean(coreSkip))("gRPC C-core echo reference", () => {
  it("echoes each size over mTLS and plaintext and reports a p50 and a rate", async () => {
    const ref = await startCoreReference(pki);
    try {
      for (const mode of ["tls", "plain"] as const) {
        const rows = await ref.pass(mode, [
          { bytes: 1024, calls: 3 },
          { bytes: 300_000, calls: 2 },
        ]);
        expect(rows.map((r) => r.bytes)).toEqual([1024, 300_000]);
        for (const r of rows) {
          expect(r.p50_ms).toBeGreaterThan(0);
          expect(r.mibps).toBeGreaterThan(0);
        }
      }
    } finally {
      await ref.stop();
    }
  }, 60_000);
});

describe("bare-socket echo reference", () => {
  for (const mode of ["tls", "plain"] as const) {
    it(`${mode}: echoes 1 MiB messages back whole`, async () => {
      const child = spawn(process.execPath, [BIN, "bench", "--serve-socket-echo", mode], { stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH, ...pki.headEnv } });
      try {
        const { port } = await firstLine<{ port: number }>(child, "socket echo");
        const r = await socketEchoRun(port, mode === "tls" ? pki.client : null, 1 << 20, 3);
        expect(r.p50).toBeGreaterThan(0);
        expect(r.mibps).toBeGreaterThan(0);
      } finally {
        await stopChild(child);
      }
      expect(child.exitCode ?? child.signalCode).not.toBeNull();
    }, 30_000);
  }

  it("the TLS echo refuses a client that presents no certificate", async () => {
    const child = spawn(process.execPath, [BIN, "bench", "--serve-socket-echo", "tls"], { stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH, ...pki.headEnv } });
    try {
      const { port } = await firstLine<{ port: number }>(child, "socket echo");
      const outcome = await new Promise<string>((resolve) => {
        const s = tlsConnect({ host: "127.0.0.1", port, ca: pki.client.ca }, () => {
          s.write(Buffer.from([0, 0, 0, 1, 9]));
        });
        s.on("data", () => resolve("echoed"));
        s.on("error", (e: NodeJS.ErrnoException) => resolve(`error ${e.code ?? e.message}`));
        s.on("close", () => resolve("closed"));
      });
      expect(outcome).not.toBe("echoed");
    } finally {
      await stopChild(child);
    }
  }, 30_000);
});
