/**
 * A signer on 127.0.0.1 for the hardening tests (issue 13), and raw clients that talk to it below
 * the level of `requestCertificate`: a TLS socket that writes exact bytes, and counters of what
 * came back. Each test file starts its own signer (its own port, CA and tokens).
 */
import { connect, type TLSSocket } from "node:tls";
import { createCa, loadCa } from "../../src/pki/ca.js";
import { createCsr } from "../../src/pki/csr.js";
import { memoryAuditSink, type AuditSink } from "../../src/signer/audit.js";
import { startSigner, type RunningSigner, type SignerOptions } from "../../src/signer/server.js";

export const FQDN = "rc-head-svc.default.svc.cluster.local";
export const HEAD = "head-token-abcdefghijklmnop";
export const WORKER = "worker-token-abcdefghijklmnop";

export interface SignerFixture {
  signer: RunningSigner;
  caCertPem: string;
  audit: ReturnType<typeof memoryAuditSink>;
}

export async function startTestSigner(o: Partial<SignerOptions> & { audit?: AuditSink } = {}): Promise<SignerFixture> {
  const ca = await createCa({ subject: "/CN=signer hardening test CA" });
  const audit = memoryAuditSink();
  const signer = await startSigner({ ca: loadCa(ca.certPem, ca.keyPem), host: "127.0.0.1", port: 0, headToken: HEAD, workerToken: WORKER, headFqdn: FQDN, audit, ...o });
  return { signer, caCertPem: ca.certPem, audit };
}

/** A worker CSR for `podIp` as a POST /v1/sign request (HTTP/1.1 text, keep-alive unless told). */
export async function signRequestText(podIp: string, token = WORKER, extraHeaders = ""): Promise<string> {
  const csr = await createCsr({ role: "worker", podIp });
  const body = JSON.stringify({ role: "worker", csr: csr.csrPem });
  return `POST /v1/sign HTTP/1.1\r\nHost: signer\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extraHeaders}\r\n${body}`;
}

/** Opens a TLS connection (trusting only the test CA), optionally from a given 127.0.0.x. */
export function tlsConnect(f: SignerFixture, localAddress?: string): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: "127.0.0.1", port: f.signer.port, ca: f.caCertPem, servername: "localhost", ...(localAddress ? { localAddress } : {}) });
    s.once("secureConnect", () => resolve(s));
    s.once("error", reject);
  });
}

/** Everything the server sends until it closes the connection (or `ms` pass). */
export function readUntilClose(s: TLSSocket, ms: number): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    let text = "";
    const done = (closed: boolean) => {
      clearTimeout(timer);
      resolve({ text, closed });
    };
    const timer = setTimeout(() => done(false), ms);
    s.on("data", (c: Buffer) => void (text += c.toString("latin1")));
    s.on("error", () => undefined);
    s.once("close", () => done(true));
  });
}

/** The status codes of the HTTP responses in `text`, in order. */
export function responseStatuses(text: string): number[] {
  return [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
}
