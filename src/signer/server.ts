/**
 * The signer's HTTPS server (issue 5): `POST /v1/sign`, `GET /healthz`. It holds the CA key and
 * nothing else does. Its own serving certificate is issued at start from the same CA, so a pod
 * trusts it through `ca.crt` alone.
 *
 * No peer can starve the others (issue 13): connections are counted per source address with a
 * reserve kept for addresses that hold few (connection-guard.ts), each must bring its request
 * whole within a budget, bodies are capped, and each role token has an issuance rate limit
 * (rate-limit.ts). One request per connection: every answer says `Connection: close`, so a
 * certificate is never issued for a pipelined request that could not be answered. Every decision
 * goes to the audit log, refusals past a rate as counts (audit-summary.ts); an issued certificate's
 * line is written once the answer is out. Decisions are made in sign-request.ts.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { constants } from "node:crypto";
import { createServer, type Server } from "node:https";
import { isIPv6, type Socket } from "node:net";
import { RaytlsError, describeCause } from "../errors.js";
import type { LoadedCa } from "../pki/ca.js";
import { issueLeaf } from "../pki/issue.js";
import { generateKey } from "../pki/keys.js";
import type { San } from "../pki/san.js";
import type { Role } from "../pki/pod-identity.js";
import type { AuditSink } from "./audit.js";
import { summarizingAuditSink } from "./audit-summary.js";
import { connectionGuard, type ConnectionGuard } from "./connection-guard.js";
import { normalizePeerIp, signerTokens, type NamePolicy } from "./policy.js";
import { TokenBuckets } from "./rate-limit.js";
import { handleSignRequest, type SignConfig } from "./sign-request.js";

export interface SignerLimits {
  /** Largest request body. Default is 64 KiB (a CSR is about 1 KiB; RSA 4096 about 2 KiB). */
  bodyBytes?: number;
  /** The TLS handshake, from accept. Default is 5 s. */
  handshakeTimeoutMs?: number;
  /** Time to receive all headers. Default is 10 s. */
  headersTimeoutMs?: number;
  /** From accept to the whole request (handshake, headers, body): the connection budget. Default is 10 s. */
  requestTimeoutMs?: number;
  /** A socket with no traffic for this long is closed. Default is 15 s. */
  idleTimeoutMs?: number;
  /** All open connections. Default is 4096. */
  maxConnections?: number;
  /** Open connections from one address. Default is 128. */
  maxConnectionsPerSource?: number;
  /** Slots kept free for addresses holding fewer than 8 connections. Default is maxConnections / 8. */
  reservedConnections?: number;
  /** Certificates one role token may get at once. Default is 2000. */
  tokenBurst?: number;
  /** Refill of each token's bucket, certificates per second. Default is 10. */
  tokenRate?: number;
  /** Audit-log summary window (audit-summary.ts). Default is 10 000 ms. */
  auditWindowMs?: number;
  /** Refusals from one address logged one by one per window. Default is 10. */
  auditPerSource?: number;
}

export interface SignerOptions extends NamePolicy {
  ca: LoadedCa;
  /** Address to listen on, e.g. "0.0.0.0", "127.0.0.1", "10.250.1.1". */
  host: string;
  /** 0 picks a free port. */
  port: number;
  headToken: string;
  workerToken: string;
  /** DNS names for the signer's own serving certificate (e.g. its Service FQDN). */
  dns?: string[];
  /** Validity of issued pod certificates. Default is 365. */
  days?: number;
  audit?: AuditSink;
  limits?: SignerLimits;
  now?: () => Date;
}

export interface RunningSigner {
  /** e.g. https://127.0.0.1:8443 */
  url: string;
  host: string;
  port: number;
  /** The signer's serving certificate (issued at start by the CA). */
  servingCertPem: string;
  servingSans: San[];
  /** Open connections per source address, and how many were closed at once for a limit. */
  connections: Pick<ConnectionGuard, "open" | "refused">;
  /** Stops accepting, closes open sockets, flushes the audit log. */
  close(): Promise<void>;
}

const UNSPECIFIED = new Set(["0.0.0.0", "::", "[::]"]);

export async function startSigner(o: SignerOptions): Promise<RunningSigner> {
  if (o.headToken === o.workerToken) {
    throw new RaytlsError("same-tokens", "the head token and the worker token are the same", {
      hint: "give each role its own random token (raytls manifest --mode signer makes two)",
    });
  }
  const limits = { bodyBytes: 64 * 1024, handshakeTimeoutMs: 5_000, headersTimeoutMs: 10_000, requestTimeoutMs: 10_000, idleTimeoutMs: 15_000, maxConnections: 4096, ...o.limits };
  // Node refuses headersTimeout > requestTimeout; within the budget, the budget decides.
  limits.headersTimeoutMs = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  const host = o.host.replace(/^\[(.*)\]$/, "$1");
  const sans: San[] = [...new Set(["localhost", ...(o.dns ?? [])])].map((value) => ({ type: "dns", value }));
  const ips = UNSPECIFIED.has(host) ? ["127.0.0.1"] : [...new Set(["127.0.0.1", host])];
  sans.push(...ips.map((value) => ({ type: "ip" as const, value })));
  const key = generateKey("ecdsa-p256");
  const serving = issueLeaf({ ca: o.ca, publicKey: key.spki, sans, days: Math.min(o.days ?? 365, 365), subject: [["CN", o.dns?.[0] ?? ips[ips.length - 1]!], ["OU", "signer"], ["O", "raytls"]] });
  const cfg: SignConfig = {
    ca: o.ca,
    tokens: signerTokens(o.headToken, o.workerToken),
    names: { headFqdn: o.headFqdn, headDns: o.headDns ?? [] },
    days: o.days ?? 365,
    buckets: new TokenBuckets<Role>({ ...(limits.tokenBurst !== undefined ? { burst: limits.tokenBurst } : {}), ...(limits.tokenRate !== undefined ? { perSecond: limits.tokenRate } : {}) }),
    ...(o.now ? { now: o.now } : {}),
  };
  const audit = o.audit ? summarizingAuditSink(o.audit, { ...(limits.auditWindowMs ? { windowMs: limits.auditWindowMs } : {}), ...(limits.auditPerSource !== undefined ? { perSource: limits.auditPerSource } : {}) }) : undefined;
  const guard = connectionGuard({
    max: limits.maxConnections,
    budgetMs: limits.requestTimeoutMs,
    // Logged as refusals without an HTTP status (none was sent); a flood of them becomes counts.
    onRefuse: (peerIp, reason) => audit?.write({ time: auditTime(cfg), peerIp, decision: "refused", reason }),
    ...(limits.maxConnectionsPerSource !== undefined ? { perSource: limits.maxConnectionsPerSource } : {}),
    ...(limits.reservedConnections !== undefined ? { reserved: limits.reservedConnections } : {}),
  });
  const ctx: RouteContext = { cfg, audit, guard, maxBody: limits.bodyBytes };
  const server: Server = createServer(
    {
      key: key.privatePem,
      cert: serving.certPem,
      minVersion: "TLSv1.2",
      // Pods ask once and never resume a session: TLS 1.3 session tickets (two per handshake by
      // default) would be pure cost, about 15% of the CPU per request (bench signer).
      secureOptions: constants.SSL_OP_NO_TICKET,
      handshakeTimeout: limits.handshakeTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: Math.min(5000, limits.idleTimeoutMs),
      // headersTimeout and requestTimeout are enforced by a periodic sweep (default every 30 s).
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
    },
    (req, res) => void route(ctx, req, res),
  );
  server.timeout = limits.idleTimeoutMs;
  server.maxConnections = limits.maxConnections;
  // Before the TLS layer's own listener: a connection over a limit costs no handshake.
  server.prependListener("connection", (socket: Socket) => void guard.admit(socket));
  // A socket that errors (reset mid-handshake, timeout) only ends that socket. A parse error after
  // the one request a connection may carry (pipelined bytes behind it: Node reports HPE_PAUSED)
  // must not cut off the answer to that request: the socket closes once it is written.
  server.on("tlsClientError", (_err, socket) => socket.destroy());
  server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    if (answering.has(socket)) return;
    // Headers or request not complete in time: answer 408 as Node does when no handler is set
    // (RFC 9110 section 15.5.9), so a slow client, and a test, can tell why it was cut off.
    if (err.code === "ERR_HTTP_REQUEST_TIMEOUT" && socket.writable) socket.end("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n", () => socket.destroy());
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        new RaytlsError("listen-failed", `--listen ${o.host}:${o.port}: ${err.code === "EADDRINUSE" ? "the port is in use" : err.code === "EADDRNOTAVAIL" ? "no interface has this address" : describeCause(err)}`, {
          hint: "pick another port, or an address of this machine (0.0.0.0 for all)",
          cause: err,
          kind: "check",
        }),
      ),
    );
    // A deeper accept queue than Node's 511 (the kernel caps it at net.core.somaxconn): under a
    // burst of connections, a dropped SYN costs the client a 1 s retransmit.
    server.listen({ port: o.port, host, backlog: 4096 }, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : o.port;
  const urlHost = UNSPECIFIED.has(host) ? "127.0.0.1" : isIPv6(host) ? `[${host}]` : host;
  return {
    url: `https://${urlHost}:${port}`,
    host,
    port,
    servingCertPem: serving.certPem,
    servingSans: sans,
    connections: guard,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        // Also those that never became HTTP connections (idle TCP, half-done handshakes).
        guard.closeAll();
      });
      await audit?.close();
    },
  };
}

interface RouteContext {
  cfg: SignConfig;
  audit: AuditSink | undefined;
  guard: ConnectionGuard;
  maxBody: number;
}

/**
 * Sockets that have carried their one request. Every answer says `Connection: close` and the
 * socket closes once it is written; RFC 9112 section 9.6: a server that sends "close" "MUST NOT
 * process any further requests received on that connection". So pipelined requests behind the
 * first are never decided: nothing is issued that cannot be delivered.
 */
const carried = new WeakSet<object>();
/** Sockets whose answer is being written: a parse error behind it must not cut it off. */
const answering = new WeakSet<object>();

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  answering.add(res.socket ?? res);
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", "content-length": String(Buffer.byteLength(text)), connection: "close", ...headers });
  res.end(text);
}

/** The clock for audit lines, when the configured one fails (a 500 must still be logged). */
function auditTime(cfg: SignConfig): string {
  try {
    return (cfg.now?.() ?? new Date()).toISOString();
  } catch {
    return new Date().toISOString();
  }
}

async function route(ctx: RouteContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { cfg, audit } = ctx;
  if (carried.has(req.socket)) {
    req.resume();
    return;
  }
  carried.add(req.socket);
  const peerIp = normalizePeerIp(req.socket.remoteAddress ?? "");
  try {
    const url = (req.url ?? "/").split("?")[0];
    if (url === "/healthz") {
      ctx.guard.served(req.socket);
      if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, { error: "method", reason: "use GET" }, { allow: "GET" });
      return send(res, 200, { ok: true });
    }
    if (url !== "/v1/sign") return send(res, 404, { error: "not-found", reason: `no such path ${url}; POST /v1/sign or GET /healthz` });
    if (req.method !== "POST") return send(res, 405, { error: "method", reason: "use POST" }, { allow: "POST" });
    const body = await readBody(req, ctx.maxBody).catch(() => null);
    // The client went away mid-body (reset, budget spent): nothing to decide, nothing to log.
    if (body === null) return;
    ctx.guard.served(req.socket);
    if (body === undefined) {
      const reason = `the body is larger than ${ctx.maxBody} bytes`;
      audit?.write({ time: auditTime(cfg), peerIp, decision: "refused", status: 413, reason });
      return send(res, 413, { error: "too-large", reason });
    }
    // The connection is gone (reset, budget spent): decide nothing, so nothing is issued unseen.
    if (req.socket.destroyed || res.destroyed) return;
    const failed = audit?.failure?.();
    if (failed) {
      audit!.write({ time: auditTime(cfg), peerIp, decision: "error", status: 503, reason: failed });
      return send(res, 503, { error: "audit-log", reason: "the signer cannot record decisions; it issues nothing until it can" });
    }
    const outcome = await handleSignRequest(cfg, { authorization: req.headers.authorization, body, peerIp: req.socket.remoteAddress ?? "" });
    if (outcome.status === 200) {
      // One line per certificate signed, written once the answer is out: it says whether the
      // client got it (`delivered: false` when the connection died first).
      if (res.destroyed) return audit?.write({ ...outcome.audit, delivered: false });
      let logged = false;
      const log = (delivered: boolean) => {
        if (logged) return;
        logged = true;
        audit?.write(delivered ? outcome.audit : { ...outcome.audit, delivered: false });
      };
      res.once("finish", () => log(true));
      res.once("close", () => log(res.writableFinished));
    } else audit?.write(outcome.audit);
    send(res, outcome.status, outcome.body, outcome.headers);
  } catch (err) {
    audit?.write({ time: auditTime(cfg), peerIp, decision: "error", status: 500, reason: `internal error: ${describeCause(err)}` });
    send(res, 500, { error: "internal", reason: describeCause(err) });
  }
}

/** The body as text, or undefined when it exceeds `max` bytes (stops reading at once). */
function readBody(req: IncomingMessage, max: number): Promise<string | undefined> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > max) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.removeAllListeners("data");
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
