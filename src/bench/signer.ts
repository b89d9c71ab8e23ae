/**
 * `npm run bench -- signer` (issue 5): 1,000 certificate requests against `raytls signer serve`
 * (its own process, on 127.0.0.1) from concurrent clients, each request its own TLS connection as
 * pods make them (agent: false, no keep-alive). The CSRs (one fresh key each) are made before the
 * clock starts: a pod makes its key itself, so that cost is not the signer's. Median of >= 3 runs;
 * target: 1,000 in under 2 s.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { createSecureContext } from "node:tls";
import { createCa } from "../pki/ca.js";
import { createCsr } from "../pki/csr.js";
import { raytlsCommand } from "../io/package-root.js";
import { readProcStat } from "../io/proc-stat.js";
import { requestCertificate } from "../signer/client.js";
import { median } from "./grpc-stats.js";
import { benchInvalidError, benchPeerError, type BenchOptions, type BenchResult } from "./scenario.js";

const REQUESTS = 1000;
const CONCURRENCY = 64;
/**
 * The benchmark asks 300 + runs x 1,000 times with one token in a few seconds, past the default
 * 2,000-certificate burst (sized for a cluster start, not for a loop): it measures signing, so the
 * token's allowance is raised. The limiter itself stays on the path (one bucket check per request).
 */
const BENCH_LIMITS = ["--token-burst", "1000000"];

async function startSignerProcess(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const { cmd, args } = raytlsCommand();
  const child = spawn(cmd, [...args, "signer", "serve", "--ca-dir", dir, "--listen", "127.0.0.1:0", "--head-token-file", path.join(dir, "head.token"), "--worker-token-file", path.join(dir, "worker.token"), "--head-fqdn", "bench-head-svc.default.svc.cluster.local", "--audit-log", path.join(dir, "audit.log"), ...BENCH_LIMITS], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on("data", (c) => {
      err += c;
      const m = /listening on (https:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.once("exit", (code) => reject(benchPeerError(`signer exited (${code}): ${err}`)));
  });
  return { child, url };
}

/** CPU time (user + system) of process `pid` so far, from /proc (Linux); NaN elsewhere. */
function procCpuMs(pid: number): number {
  const s = readProcStat(pid);
  return s ? ((s.utime + s.stime) * 1000) / 100 : NaN; // clock ticks (USER_HZ = 100)
}

async function burst(url: string, token: string, caCertPem: string, csrs: string[]): Promise<{ ms: number; serials: Set<string> }> {
  let next = 0;
  const secureContext = createSecureContext({ ca: caCertPem });
  const serials = new Set<string>();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < csrs.length) {
        const csrPem = csrs[next++]!;
        const res = await requestCertificate({ url, token, caCertPem, role: "worker", csrPem, retrySeconds: 10, secureContext });
        serials.add(res.serial);
      }
    }),
  );
  return { ms: performance.now() - t0, serials };
}

export default async function signerBench(o: BenchOptions): Promise<BenchResult> {
  const runs = Math.max(3, o.runs ?? 5);
  const dir = mkdtempSync(path.join(os.tmpdir(), "raytls-bench-signer-"));
  const ca = await createCa({ subject: "/CN=raytls bench CA" });
  writeFileSync(path.join(dir, "ca.crt"), ca.certPem);
  writeFileSync(path.join(dir, "ca.key"), ca.keyPem, { mode: 0o400 });
  const token = randomBytes(32).toString("base64url");
  writeFileSync(path.join(dir, "worker.token"), token);
  writeFileSync(path.join(dir, "head.token"), randomBytes(32).toString("base64url"));
  const { child, url } = await startSignerProcess(dir);
  try {
    const csrs = await Promise.all(Array.from({ length: REQUESTS }, async () => (await createCsr({ role: "worker", podIp: "127.0.0.1" })).csrPem));
    await burst(url, token, ca.certPem, csrs.slice(0, 300)); // warm-up (JIT); no session reuse anywhere (agent: false, no tickets)
    const times: number[] = [];
    const signerCpu: number[] = [];
    const clientCpu: number[] = [];
    for (let r = 0; r < runs; r++) {
      const cpu0 = [procCpuMs(child.pid!), process.cpuUsage()] as const;
      const { ms, serials } = await burst(url, token, ca.certPem, csrs);
      const c = process.cpuUsage(cpu0[1]);
      signerCpu.push((procCpuMs(child.pid!) - cpu0[0]) / REQUESTS);
      clientCpu.push((c.user + c.system) / 1000 / REQUESTS);
      if (serials.size !== REQUESTS) throw benchInvalidError(`run ${r + 1}: ${serials.size} unique serials for ${REQUESTS} requests`);
      times.push(ms);
      o.log(`signer run ${r + 1}/${runs}: ${REQUESTS} certificates in ${ms.toFixed(0)} ms (${((REQUESTS * 1000) / ms).toFixed(0)}/s)`);
    }
    const ms = median(times);
    const rate = (REQUESTS * 1000) / ms;
    const markdown = [
      "### signer: certificates from `raytls signer serve`",
      "",
      `| measure | value (median of ${runs} runs) |`,
      "|---|---|",
      `| ${REQUESTS} requests, ${CONCURRENCY} concurrent clients, one TLS connection each | ${ms.toFixed(0)} ms |`,
      `| certificates/s | ${rate.toFixed(0)} |`,
      `| signer CPU per certificate (user + system) | ${median(signerCpu).toFixed(2)} ms |`,
      `| client CPU per certificate (the 1,000 "pods", same machine) | ${median(clientCpu).toFixed(2)} ms |`,
      "",
      `Signer in its own process on 127.0.0.1 (ECDSA P-256 CA, ecdsa-p256 pod keys, audit log to a file); clients in the bench process. ` +
        `Each request: TLS handshake, bearer token, rate-limit check (burst raised to 1,000,000), CSR signature check, policy, issue, audit line. Machine: ${os.cpus().length} CPUs, Node ${process.version}.`,
      "",
    ].join("\n");
    return {
      name: "signer",
      markdown,
      targets: [{ what: `${REQUESTS} certificates from the signer in under 2 s`, value: `${ms.toFixed(0)} ms`, met: ms < 2000 }],
      data: { runs, requests: REQUESTS, concurrency: CONCURRENCY, times, signerCpu, clientCpu },
    };
  } finally {
    if (child.pid && child.exitCode === null) child.kill("SIGTERM");
    await new Promise((r) => (child.exitCode === null ? child.once("exit", r) : r(undefined)));
    rmSync(dir, { recursive: true, force: true });
  }
}
