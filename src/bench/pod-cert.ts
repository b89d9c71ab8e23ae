/**
 * `npm run bench -- pod-cert` (issue #2):
 * (a) pod certificates per second in-process (key generation + issuance + PEM), ecdsa-p256 and
 *     rsa-2048, median of repeated runs; target >= 5,000/s for ecdsa-p256.
 * (b) wall time of one `raytls pod-cert` process against the seed's openssl sequence (genrsa 2048,
 *     req -new, x509 -req with conf files like the seed's), alternated in one run; target: median
 *     ratio <= 0.5.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createCa, loadCa } from "../pki/ca.js";
import { issuePodCert } from "../pki/issue.js";
import type { KeyType } from "../pki/key-types.js";
import { packageRoot } from "../io/package-root.js";
import { median } from "./grpc-stats.js";
import { benchPeerError, type BenchOptions, type BenchResult } from "./scenario.js";

function inProcessRate(ca: ReturnType<typeof loadCa>, keyType: KeyType, count: number): number {
  const start = performance.now();
  for (let i = 0; i < count; i++) issuePodCert({ ca, role: "worker", podIp: `10.244.${(i >> 8) & 255}.${i & 255}`, keyType });
  return count / ((performance.now() - start) / 1000);
}

/** The seed's per-pod openssl sequence (Step 2), with conf files shaped like the seed's. */
function seedConf(dir: string, podIp: string): void {
  const alt = `[alt_names]\nDNS.1 = localhost\nIP.1 = 127.0.0.1\nIP.2 = ${podIp}\n`;
  writeFileSync(path.join(dir, "csr.conf"), `[req]\ndefault_bits = 2048\nprompt = no\ndefault_md = sha256\nreq_extensions = req_ext\ndistinguished_name = dn\n[dn]\nC = US\nO = ray\nCN = *.ray.io\n[req_ext]\nsubjectAltName = @alt_names\n${alt}`);
  writeFileSync(path.join(dir, "cert.conf"), `authorityKeyIdentifier=keyid,issuer\nbasicConstraints=CA:FALSE\nkeyUsage = digitalSignature, keyEncipherment\nsubjectAltName = @alt_names\n${alt}`);
}

function timeIt(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

function must(r: ReturnType<typeof spawnSync>, what: string): void {
  if (r.status !== 0) throw benchPeerError(`${what} failed: ${String(r.stderr)}`);
}

export default async function podCertBench(o: BenchOptions): Promise<BenchResult> {
  const runs = Math.max(5, o.runs ?? 7);
  const dir = mkdtempSync(path.join(os.tmpdir(), "raytls-bench-podcert-"));
  try {
    // The seed's CA: RSA 2048, self-signed by openssl (Step 1-1). Both sides sign with it.
    must(spawnSync("openssl", ["req", "-x509", "-sha256", "-days", "3650", "-nodes", "-newkey", "rsa:2048", "-subj", "/CN=*.kuberay.com/C=US/L=San Francisco", "-keyout", path.join(dir, "ca.key"), "-out", path.join(dir, "ca.crt")], { stdio: "pipe" }), "openssl CA");
    const { readFileSync } = await import("node:fs");
    const seedCa = loadCa(readFileSync(path.join(dir, "ca.crt"), "utf8"), readFileSync(path.join(dir, "ca.key"), "utf8"));

    // (a) in process, signed by raytls's default CA (ECDSA P-256). A first short run warms the JIT.
    const made = await createCa();
    const ca = loadCa(made.certPem, made.keyPem);
    inProcessRate(ca, "ecdsa-p256", 200);
    const ecdsa: number[] = [];
    const rsa: number[] = [];
    for (let r = 0; r < runs; r++) {
      ecdsa.push(inProcessRate(ca, "ecdsa-p256", 2000));
      rsa.push(inProcessRate(seedCa, "rsa-2048", 8));
      o.log(`pod-cert in-process run ${r + 1}/${runs}: ecdsa-p256 ${ecdsa[r]!.toFixed(0)}/s, rsa-2048 ${rsa[r]!.toFixed(1)}/s`);
    }

    // (b) one process each, alternated so drift in machine load hits both sides alike.
    const bin = path.join(packageRoot(), "bin", "raytls.mjs");
    seedConf(dir, "10.244.0.7");
    const seedRun = (): void => {
      must(spawnSync("openssl", ["genrsa", "-out", path.join(dir, "seed.key"), "2048"], { stdio: "pipe" }), "openssl genrsa");
      must(spawnSync("openssl", ["req", "-new", "-key", path.join(dir, "seed.key"), "-out", path.join(dir, "seed.csr"), "-config", path.join(dir, "csr.conf")], { stdio: "pipe" }), "openssl req");
      must(spawnSync("openssl", ["x509", "-req", "-in", path.join(dir, "seed.csr"), "-CA", path.join(dir, "ca.crt"), "-CAkey", path.join(dir, "ca.key"), "-CAcreateserial", "-out", path.join(dir, "seed.crt"), "-days", "365", "-extfile", path.join(dir, "cert.conf")], { stdio: "pipe" }), "openssl x509");
    };
    const raytlsRun = (keyType: KeyType) => (): void => {
      must(spawnSync(process.execPath, [bin, "pod-cert", "--role", "worker", "--pod-ip", "10.244.0.7", "--ca-cert", path.join(dir, "ca.crt"), "--ca-key", path.join(dir, "ca.key"), "--out", path.join(dir, "out"), "--key-type", keyType, "--force"], { stdio: "pipe" }), "raytls pod-cert");
    };
    const seedMs: number[] = [];
    const ecMs: number[] = [];
    const rsaMs: number[] = [];
    const ratios: number[] = [];
    const rsaRatios: number[] = [];
    timeIt(raytlsRun("ecdsa-p256"));
    timeIt(seedRun);
    const pairs = Math.max(runs, 9);
    for (let r = 0; r < pairs; r++) {
      const s = timeIt(seedRun);
      const e = timeIt(raytlsRun("ecdsa-p256"));
      const k = timeIt(raytlsRun("rsa-2048"));
      seedMs.push(s);
      ecMs.push(e);
      rsaMs.push(k);
      ratios.push(e / s);
      rsaRatios.push(k / s);
    }
    const ecRate = median(ecdsa);
    const rsaRate = median(rsa);
    const ratio = median(ratios);
    const markdown = [
      "### pod-cert: issuing pod certificates",
      "",
      `| measure | value (median of ${runs} runs) |`,
      "|---|---|",
      `| in-process, ecdsa-p256 key, ECDSA P-256 CA (key + certificate + PEM) | ${ecRate.toFixed(0)} certs/s |`,
      `| in-process, rsa-2048 key, the seed's RSA-2048 CA | ${rsaRate.toFixed(1)} certs/s |`,
      `| seed's openssl sequence (genrsa 2048, req, x509), one pod | ${median(seedMs).toFixed(0)} ms |`,
      `| \`raytls pod-cert\` process, ecdsa-p256 | ${median(ecMs).toFixed(0)} ms (ratio ${ratio.toFixed(2)}) |`,
      `| \`raytls pod-cert\` process, rsa-2048 | ${median(rsaMs).toFixed(0)} ms (ratio ${median(rsaRatios).toFixed(2)}) |`,
      "",
      `Ratios are medians of ${pairs} alternated pairs in one run (raytls / openssl sequence).`,
      "",
    ].join("\n");
    return {
      name: "pod-cert",
      markdown,
      targets: [
        { what: "in-process ecdsa-p256 pod certificates/s >= 5,000", value: ecRate.toFixed(0), met: ecRate >= 5000 },
        { what: "raytls pod-cert process / seed openssl sequence <= 0.5", value: ratio.toFixed(2), met: ratio <= 0.5 },
      ],
      data: { runs, ecdsa, rsa, seedMs, ecMs, rsaMs, ratios, rsaRatios },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
