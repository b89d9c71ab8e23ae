/**
 * `npm run bench -- pki` (issue 12): the per-handshake peer check, i.e. what every raytls TLS
 * client runs as checkServerIdentity (src/ray/peer-identity.ts checkIdentity): the peer's raw DER
 * through the strict reader, then gRPC C-core's name rules. Before issue 12 this went DER -> PEM
 * (Node's X509Certificate) -> DER and parsed twice, about 365 us per check; target <= 20 us.
 * Median of repeated runs, for a head certificate dialed by its FQDN (accepted) and by the short
 * Service name (refused, with the hint built).
 */
import type { PeerCertificate } from "node:tls";
import { createCa, loadCa } from "../pki/ca.js";
import { issuePodCert } from "../pki/issue.js";
import { parsePem } from "../pki/pem.js";
import { checkIdentity } from "../ray/peer-identity.js";
import { median } from "./grpc-stats.js";
import { benchInvalidError, type BenchOptions, type BenchResult } from "./scenario.js";

const FQDN = "raycluster-tls-head-svc.default.svc.cluster.local";
const TARGET_US = 20;

function perCheckUs(raw: PeerCertificate["raw"], host: string, count: number): number {
  const start = performance.now();
  for (let i = 0; i < count; i++) checkIdentity(host, { raw });
  return ((performance.now() - start) * 1000) / count;
}

export default async function pkiBench(o: BenchOptions): Promise<BenchResult> {
  const runs = Math.max(5, o.runs ?? 9);
  const made = await createCa();
  const ca = loadCa(made.certPem, made.keyPem);
  const head = issuePodCert({ ca, role: "head", podIp: "10.244.0.5", headFqdn: FQDN });
  const raw: PeerCertificate["raw"] = Buffer.from(parsePem(head.certPem).blocks[0]!.der);
  if (checkIdentity(FQDN, { raw }) !== undefined) throw benchInvalidError("bench pki: the head certificate does not match its FQDN");
  perCheckUs(raw, FQDN, 5000); // JIT warm-up
  const ok: number[] = [];
  const refused: number[] = [];
  for (let r = 0; r < runs; r++) {
    ok.push(perCheckUs(raw, FQDN, 20_000));
    refused.push(perCheckUs(raw, "raycluster-tls-head-svc", 5_000));
    o.log(`pki run ${r + 1}/${runs}: peer check ${ok[r]!.toFixed(2)} us (match), ${refused[r]!.toFixed(2)} us (refused, with hint)`);
  }
  const okMedian = median(ok);
  const refusedMedian = median(refused);
  const markdown = [
    "### Per-handshake peer check (`npm run bench -- pki`)",
    "",
    `Raw DER of a raytls head certificate (${raw.length} bytes) through the strict reader and gRPC C-core's name rules, median of ${runs} runs.`,
    "",
    "| case | per check |",
    "|---|---|",
    `| dialed by the FQDN (accepted) | ${okMedian.toFixed(2)} us |`,
    `| dialed by the short name (refused, hint built) | ${refusedMedian.toFixed(2)} us |`,
    "",
  ].join("\n");
  return {
    name: "pki",
    markdown,
    targets: [{ what: `peer check <= ${TARGET_US} us`, value: `${okMedian.toFixed(2)} us`, met: okMedian <= TARGET_US }],
    measures: [
      { measure: "peer-check", unit: "us", value: Number(okMedian.toFixed(3)) },
      { measure: "peer-check-refused", unit: "us", value: Number(refusedMedian.toFixed(3)) },
    ],
    data: { runs, certBytes: raw.length, okUs: ok, refusedUs: refused },
  };
}
