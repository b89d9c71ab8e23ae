/**
 * `raytls verify` is never kinder than gRPC C-core (issue 13): for each class of hostile server
 * certificate, a real C-core client (python3-grpcio) dials a TLS server presenting it, and
 * `raytls verify` judges the same files. Whenever C-core refuses the handshake, verify must refuse
 * too (exit 1 or 2) and say why. The certificates are built here with raytls's DER writer (or
 * openssl for the explicit-parameter key), signed by a raytls CA; a good certificate is the
 * control row.
 *
 * The TLS server is Node's http2 server answering every call with gRPC status UNIMPLEMENTED: a
 * C-core client that gets UNIMPLEMENTED accepted the certificate; UNAVAILABLE means the
 * handshake was refused.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createSecureServer, type Http2SecureServer } from "node:http2";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCa, loadCa, type LoadedCa } from "../../src/pki/ca.js";
import * as der from "../../src/pki/der.js";
import { buildLeaf, ext, type BuiltCert } from "../helpers/cert-builder.js";
import { runCli } from "../helpers/cli.js";
import { coreCall, grpcCoreAvailable, type CoreCallResult } from "../helpers/grpc-core.js";
import { useTempDir } from "../helpers/temp-dir.js";

const avail = grpcCoreAvailable();
if (!avail.ok) console.warn(`[verify-grpc-core.test] skipping: ${avail.reason}`);
if (!avail.ok && process.env.CI === "true") throw new Error(`CI=true needs gRPC C-core: ${avail.reason}`);

const ipSan = der.implicit(7, Uint8Array.of(127, 0, 0, 1));
type Built = Pick<BuiltCert, "certPem" | "keyPem">;
const leaf = buildLeaf;

interface Row {
  id: string;
  label: string;
  build: (ca: LoadedCa, dir: string) => Built;
  /** What raytls verify must say (when C-core refuses). */
  reason: RegExp;
}

const ROWS: Row[] = [
  { id: "good", label: "a good leaf (control)", build: (ca) => leaf(ca), reason: /OK/ },
  {
    id: "othername",
    label: "malformed otherName SAN (no [0] value)",
    build: (ca) => leaf(ca, { extensions: (b) => b.map((e, i) => (i === 3 ? ext("2.5.29.17", false, der.sequence(der.tlv(0xa0, der.oid("1.3.6.1.4.1.99999.1")), ipSan)) : e)) }),
    reason: /subjectAltName\)\[0\]\.otherName\.value: missing/,
  },
  {
    id: "dup-san",
    label: "two subjectAltName extensions",
    build: (ca) => leaf(ca, { extensions: (b) => [...b, ext("2.5.29.17", false, der.sequence(der.implicit(2, new TextEncoder().encode("evil.example"))))] }),
    reason: /subjectAltName\): the extension appears twice/,
  },
  {
    id: "dup-eku",
    label: "two extKeyUsage extensions",
    build: (ca) => leaf(ca, { extensions: (b) => [...b, b[2]!] }),
    reason: /extKeyUsage\): the extension appears twice/,
  },
  {
    id: "critical",
    label: "unknown critical extension",
    build: (ca) => leaf(ca, { extensions: (b) => [...b, ext("1.3.6.1.4.1.99999.7", true, der.NULL)] }),
    reason: /unknown critical extension 1\.3\.6\.1\.4\.1\.99999\.7/,
  },
  {
    id: "aki",
    label: "authority key id not the issuer's SKI",
    build: (ca) => leaf(ca, { extensions: (b) => b.map((e, i) => (i === 5 ? ext("2.5.29.35", false, der.sequence(der.implicit(0, new Uint8Array(randomBytes(20))))) : e)) }),
    reason: /authority key identifier [0-9a-f]{40} does not match its subject key identifier/,
  },
  {
    id: "not-before",
    label: "garbage notBefore (month 13)",
    build: (ca) => leaf(ca, { notBefore: der.tlv(0x17, new TextEncoder().encode("251301000000Z")) }),
    reason: /validity\.notBefore: month 13 does not exist/,
  },
  {
    id: "not-before-no-seconds",
    label: "notBefore without seconds",
    build: (ca) => leaf(ca, { notBefore: der.tlv(0x17, new TextEncoder().encode("2501010000Z")) }),
    reason: /validity\.notBefore: UTCTime "2501010000Z" is not YYMMDDHHMMSSZ/,
  },
  {
    id: "explicit-ec",
    label: "EC key with explicit curve parameters",
    build: (ca, dir) => {
      const k = path.join(dir, "explicit.key");
      execFileSync("openssl", ["ecparam", "-name", "prime256v1", "-param_enc", "explicit", "-genkey", "-noout", "-out", k], { stdio: "pipe" });
      const spki = new Uint8Array(execFileSync("openssl", ["pkey", "-in", k, "-pubout", "-outform", "DER"]));
      const keyPem = execFileSync("openssl", ["pkey", "-in", k], { encoding: "utf8" });
      return leaf(ca, { key: { spki, keyPem } });
    },
    reason: /EC key with explicit curve parameters/,
  },
];

function grpcServer(b: Built): Promise<{ server: Http2SecureServer; port: number }> {
  const server = createSecureServer({ cert: b.certPem, key: b.keyPem, allowHTTP1: false });
  server.on("stream", (stream) => {
    stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": "12", "grpc-message": "raytls-parity-server" }, { endStream: true });
  });
  server.on("error", () => {});
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as { port: number }).port })));
}

interface Outcome {
  core: CoreCallResult;
  verify: { code: number; out: string; err: string };
}

describe.skipIf(!avail.ok)("verify is never kinder than gRPC C-core on hostile certificates", () => {
  const tmp = useTempDir("raytls-verify-core-");
  const outcomes = new Map<string, Outcome>();
  const servers: Http2SecureServer[] = [];

  beforeAll(async () => {
    const caPair = await createCa({ subject: "/CN=parity CA" });
    const ca = loadCa(caPair.certPem, caPair.keyPem);
    const caFile = path.join(tmp.dir, "ca.crt");
    writeFileSync(caFile, caPair.certPem);
    await Promise.all(
      ROWS.map(async (row) => {
        const b = row.build(ca, tmp.dir);
        const certFile = path.join(tmp.dir, `${row.id}.crt`);
        writeFileSync(certFile, b.certPem);
        const { server, port } = await grpcServer(b);
        servers.push(server);
        const core = await coreCall({ target: `127.0.0.1:${port}`, ca: caFile, method: "get-cluster-id", timeoutS: 5 });
        const verify = await runCli(["verify", "--ca", caFile, "--cert", certFile, "--host", "127.0.0.1"]);
        outcomes.set(row.id, { core, verify });
      }),
    );
  }, 120_000);

  afterAll(() => {
    for (const s of servers) s.close();
    const lines = ROWS.map((r) => {
      const o = outcomes.get(r.id);
      const core = o ? (o.core.code === "UNIMPLEMENTED" ? "accept" : `refuse (${o.core.code})`) : "?";
      const ours = o ? (o.verify.code === 0 ? "accept" : `refuse (exit ${o.verify.code})`) : "?";
      return `${r.label.padEnd(42)}  C-core ${core.padEnd(20)}  raytls verify ${ours}`;
    });
    console.log(`verify vs gRPC C-core (python3-grpcio), hostile certificates:\n${lines.join("\n")}`);
  });

  for (const row of ROWS) {
    it(`${row.label}: C-core ${row.id === "good" ? "accepts" : "refuses"}, and so does raytls verify`, () => {
      const o = outcomes.get(row.id)!;
      const text = o.verify.out + o.verify.err;
      if (row.id === "good") {
        expect(o.core.code, o.core.details).toBe("UNIMPLEMENTED");
        expect(o.verify.code, text).toBe(0);
        return;
      }
      // C-core refuses the handshake ...
      expect(o.core.code, `${o.core.details} ${o.core.debugErrorString ?? ""}`).toBe("UNAVAILABLE");
      // ... and raytls verify refuses too, with the reason.
      expect(o.verify.code, text).not.toBe(0);
      expect(text).toMatch(row.reason);
    });
  }
});
