/**
 * One fuzz target per raytls parser that faces untrusted bytes (issue 13). Each has a seed corpus
 * of valid inputs made at start (a raytls CA, a pod certificate, a CSR, PEM texts, a sign-request
 * body, proto messages) that fuzz/engine.ts mutates with fast-check. `run` must return or throw a
 * RaytlsError; `differential`, for inputs `run` accepted, asks the openssl CLI whether it accepts too.
 */
import { spawnSync } from "node:child_process";
import { RaytlsError } from "../src/errors.js";
import { createCa, loadCa } from "../src/pki/ca.js";
import { parseCertificate } from "../src/pki/certificate.js";
import { readCertificatesPem } from "../src/pki/certificate-reader.js";
import { createCsr, parseCsr, parseCsrDer } from "../src/pki/csr.js";
import * as r from "../src/pki/der-reader.js";
import { issuePodCert } from "../src/pki/issue.js";
import { parsePem } from "../src/pki/pem.js";
import { decodeMessage, encodeMessage } from "../src/ray/proto-codec.js";
import { CheckAliveReply, GetClusterIdReply } from "../src/ray/gcs-schema.js";
import { handleSignRequest, type SignConfig } from "../src/signer/sign-request.js";
import { signerTokens } from "../src/signer/policy.js";

export interface FuzzTarget {
  name: string;
  seeds: Uint8Array[];
  /** Parses one input; returns anything, or throws a RaytlsError for bad input. */
  run(bytes: Uint8Array): unknown;
  /** For an input `run` accepted: why openssl disagrees, or undefined when it accepts too. */
  differential?(bytes: Uint8Array): string | undefined;
}

const text = (b: Uint8Array): string => Buffer.from(b).toString("utf8");
const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "utf8"));

function pemDer(pem: string): Uint8Array {
  const block = parsePem(pem).blocks[0];
  if (!block) throw new Error("fuzz seed: no PEM block");
  return block.der;
}

function openssl(args: string[], input: Uint8Array): { code: number; out: string } {
  const p = spawnSync("openssl", args, { input: Buffer.from(input), encoding: "utf8", timeout: 10_000 });
  return { code: p.status ?? -1, out: `${p.stdout}${p.stderr}` };
}

/** Walks every constructed node the strict reader accepts, as the certificate and CSR readers do. */
function walk(buf: Uint8Array, node: r.Node, depth: number): number {
  if (depth > 64 || (node.tag & 0x20) === 0) return 1;
  let n = 1;
  for (const c of r.children(buf, node)) n += walk(buf, c, depth + 1);
  return n;
}

const WORKER_TOKEN = "fuzz-worker-token-abcdefghijklmnop";
const POD_IP = "10.1.2.3";

export async function makeTargets(): Promise<FuzzTarget[]> {
  const caPem = await createCa({ subject: "/CN=raytls fuzz CA" });
  const ca = loadCa(caPem.certPem, caPem.keyPem);
  const pod = issuePodCert({ ca, role: "worker", podIp: POD_IP, dns: ["worker.fuzz"] });
  const head = issuePodCert({ ca, role: "head", podIp: "10.1.2.4", headFqdn: "head.default.svc.cluster.local" });
  const csr = await createCsr({ role: "worker", podIp: POD_IP });
  const csrRsa = await createCsr({ role: "head", podIp: "10.1.2.4", headFqdn: "head.default.svc.cluster.local", keyType: "rsa-2048" });
  const certDers = [caPem.certPem, pod.certPem, head.certPem].map(pemDer);
  const csrDers = [csr.csrPem, csrRsa.csrPem].map(pemDer);
  const signCfg: SignConfig = {
    ca,
    tokens: signerTokens("fuzz-head-token-abcdefghijklmnop", WORKER_TOKEN),
    names: { headFqdn: "head.default.svc.cluster.local" },
    now: () => new Date(),
  };
  const status = { code: 0, message: "ok" };
  const protoSeeds = [
    encodeMessage(CheckAliveReply, { status, rayVersion: "2.58.0", rayletAlive: [true, false, true] }),
    encodeMessage(GetClusterIdReply, { status: { code: 5, message: "not found" }, clusterId: Buffer.alloc(28, 7) }),
  ].map((b) => new Uint8Array(b));

  return [
    {
      name: "der-reader",
      seeds: [...certDers, ...csrDers],
      run: (b) => walk(b, r.readTop(b, "fuzz"), 0),
    },
    {
      name: "certificate",
      seeds: certDers,
      run: (b) => parseCertificate(b, "fuzz"),
      differential: (b) => {
        const o = openssl(["x509", "-inform", "DER", "-noout"], b);
        return o.code === 0 ? undefined : `openssl x509 refuses it (exit ${o.code}): ${o.out.trim().split("\n")[0]}`;
      },
    },
    {
      name: "certificate-pem",
      seeds: [caPem.certPem, pod.certPem + caPem.certPem, `subject=CN=x\n${head.certPem}`].map(bytes),
      run: (b) => readCertificatesPem(text(b), "fuzz.pem"),
    },
    {
      name: "csr",
      seeds: csrDers,
      run: (b) => parseCsrDer(b, "fuzz.csr"),
      differential: (b) => {
        // openssl 3.0 exits 0 even when the self-signature fails: read what it says.
        const o = openssl(["req", "-inform", "DER", "-noout", "-verify"], b);
        return o.code === 0 && /verify OK/.test(o.out) ? undefined : `openssl req -verify refuses it (exit ${o.code}): ${o.out.trim().split("\n")[0]}`;
      },
    },
    {
      name: "csr-pem",
      seeds: [csr.csrPem, csrRsa.csrPem].map(bytes),
      run: (b) => parseCsr(text(b), "fuzz.csr"),
    },
    {
      name: "pem",
      seeds: [caPem.certPem + csr.csrPem, caPem.keyPem, pod.certPem].map(bytes),
      run: (b) => parsePem(text(b)),
    },
    {
      name: "sign-request",
      seeds: [bytes(JSON.stringify({ role: "worker", csr: csr.csrPem }))],
      // handleSignRequest answers every body with a status (400/403 for bad ones); it never throws.
      run: async (b) => {
        const out = await handleSignRequest(signCfg, { authorization: `Bearer ${WORKER_TOKEN}`, body: text(b), peerIp: POD_IP });
        if (out.status >= 500) throw new Error(`sign-request answered ${out.status}: ${JSON.stringify(out.body)}`);
        return out;
      },
    },
    {
      name: "proto-codec",
      seeds: protoSeeds,
      run: (b) => {
        const buf = Buffer.from(b);
        // The same bytes under two schemas: a reply may come from any peer that speaks on the port.
        let first: unknown;
        try {
          first = decodeMessage(CheckAliveReply, buf);
        } catch (err) {
          if (!(err instanceof RaytlsError)) throw err;
        }
        return [first, decodeMessage(GetClusterIdReply, buf)];
      },
    },
  ];
}
