/**
 * A program written as a user of the published package would write it: it imports "raytls" and
 * "raytls/experimental" by name, is compiled by tsc (strict, module nodenext) against the
 * tarball's declarations, and runs. test/package/consumer.test.ts installs the tarball beside it
 * and checks what it prints and writes. Not part of the repo's own type check (tsconfig.json
 * excludes it): "raytls" resolves only in the consumer project.
 */
import { writeFileSync } from "node:fs";
import { Client } from "@grpc/grpc-js";
import {
  buildManifest,
  checkPeerName,
  createCa,
  createCsr,
  healthCheck,
  issuePodCert,
  lintFiles,
  loadCa,
  manifestFiles,
  parseCsr,
  RaytlsError,
  verifyCertificate,
  type ClientTls,
  type CreateCaOptions,
  type HealthCheckResult,
  type PeerNameVerdict,
} from "raytls";
import { RayChannelCredentials, startHead } from "raytls/experimental";

// The declarations are real types, not `any`: each line below must be a type error.
// @ts-expect-error RayChannelCredentials overrides grpc-js internals: raytls/experimental only.
export type NotInMain = import("raytls").RayChannelCredentials;
// @ts-expect-error "dsa-1024" is not a KeyType.
export const badOptions: CreateCaOptions = { keyType: "dsa-1024" };

const out = process.argv[2] ?? ".";
const fqdn = "raycluster-tls-head-svc.default.svc.cluster.local";

const caPair = await createCa({ days: 30 });
const ca = loadCa(caPair.certPem, caPair.keyPem);
const head = issuePodCert({ ca, role: "head", podIp: "10.244.0.5", headFqdn: fqdn });
const worker = issuePodCert({ ca, role: "worker", podIp: "10.244.0.7" });
writeFileSync(`${out}/ca.crt`, caPair.certPem);
writeFileSync(`${out}/head.crt`, head.certPem);

const report = verifyCertificate({ caPem: caPair.certPem, certPem: head.certPem, keyPem: head.keyPem, hosts: [fqdn] });
const byFqdn: PeerNameVerdict = checkPeerName(fqdn, head.certPem);
const byShortName: PeerNameVerdict = checkPeerName("raycluster-tls-head-svc", head.certPem);

// A CSR made and read back (seed Step 2 for a CA kept elsewhere).
const csr = await createCsr({ role: "worker", podIp: "10.244.0.9" });
const csrSans = parseCsr(csr.csrPem, "worker.csr").sans;

let badInput: { isRaytlsError: boolean; code: string } | undefined;
try {
  issuePodCert({ ca, role: "worker", podIp: "not-an-ip" });
} catch (err) {
  badInput = { isRaytlsError: err instanceof RaytlsError, code: err instanceof RaytlsError ? err.code : String(err) };
}

// A Ray-compatible head on a kernel-chosen port, checked the way `ray health-check` does.
const tlsOf = (p: { certPem: string; keyPem: string }): ClientTls => ({ cert: Buffer.from(p.certPem), key: Buffer.from(p.keyPem), ca: Buffer.from(caPair.certPem) });
const running = await startHead({ host: "127.0.0.1", port: 0, tls: tlsOf(head), dialBack: false });
let health: HealthCheckResult;
let ownGrpc: string;
try {
  health = await healthCheck({ address: `127.0.0.1:${running.port}`, tls: tlsOf(worker), skipVersionCheck: true, timeoutMs: 10_000 });
  // The program's own grpc-js takes raytls's credentials (one grpc-js, not a bundled copy) and
  // completes a mutual-TLS handshake with them.
  const client = new Client(`127.0.0.1:${running.port}`, new RayChannelCredentials(tlsOf(worker), "127.0.0.1"));
  ownGrpc = await new Promise<string>((resolve) => client.waitForReady(Date.now() + 10_000, (err) => resolve(err ? err.message : "ready")));
  client.close();
} finally {
  await running.close();
}

const manifest = buildManifest({ name: "consumer", namespace: "default", mode: "seed", clusterDomain: "cluster.local", ca: { caCertPem: caPair.certPem, caKeyPem: caPair.keyPem } });
const lint = lintFiles(manifestFiles(manifest).map((f) => ({ file: f.name, text: f.data })));

console.log(
  JSON.stringify({
    ownGrpc,
    verify: { ok: report.ok, checks: report.checks.map((c) => `${c.check}:${c.ok}`) },
    headSans: head.sans,
    csrSans,
    byFqdn: byFqdn.ok,
    byShortName: { ok: byShortName.ok, message: byShortName.message },
    badInput,
    health: { ok: health.ok, used: health.used, tls: health.tls, clusterId: health.clusterId },
    lint: { clusters: lint.clusters, errors: lint.errors },
  }),
);
