/**
 * The signer's client (`raytls pod-cert --signer`): sends a CSR, trusts only the given CA
 * certificate, and retries what can get better (connection failures, 5xx, 429) with backoff until
 * a deadline, never sooner than the signer's Retry-After, so a pod that starts before the signer
 * still gets its certificate. A refusal (400, 401, 403) is final: retrying cannot change a token
 * or a policy.
 */
import { createPrivateKey } from "node:crypto";
import type { Certificate } from "../pki/certificate.js";
import { readCertificatePem } from "../pki/certificate-reader.js";
import { sameBytes, spkiOf } from "../pki/keys.js";
import { issuedBy } from "../pki/verify.js";
import { request } from "node:https";
import { createSecureContext, type SecureContext } from "node:tls";
import { RaytlsError, describeCause } from "../errors.js";
import { createCsr } from "../pki/csr.js";
import type { KeyType } from "../pki/key-types.js";
import type { PodIdentity } from "../pki/pod-identity.js";
import { backoffDelay } from "./backoff.js";
import type { SignResponse } from "./sign-request.js";

export interface SignClientOptions {
  /** https://host:port of the signer. */
  url: string;
  token: string;
  /** The only certificate the client trusts for the signer's serving certificate. */
  caCertPem: string;
  role: "head" | "worker";
  csrPem: string;
  /** Keep retrying for this long. Default is 120. */
  retrySeconds?: number;
  /** Per attempt. Default is 10 000 ms. */
  attemptTimeoutMs?: number;
  /**
   * A TLS context built from caCertPem once (tls.createSecureContext({ ca })), for callers that
   * make many requests (the benchmark); without it each attempt builds its own.
   */
  secureContext?: SecureContext;
  /**
   * Source address to bind (https.request's localAddress). Lab/testing: on loopback every client
   * otherwise looks like 127.0.0.1 to the signer; binding 127.0.0.x is what a pod's own IP would be.
   */
  localAddress?: string;
  /** Called before each wait (for a progress line on stderr). */
  onRetry?: (info: { attempt: number; delayMs: number; why: string }) => void;
  sleep?: (ms: number) => Promise<void>;
  clock?: () => number;
  random?: () => number;
}

/** TLS failures that no retry can fix: the signer's certificate is not from this CA, or not for this name. */
const PERMANENT_TLS = /^(ERR_TLS_CERT_ALTNAME_INVALID|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|CERT_[A-Z_]+|ERR_INVALID_URL)$/;

/** A failure worth another attempt; signCsr retries it and reports the last one as signer-unreachable or signer-busy. */
class Retryable extends RaytlsError {
  /** The server's Retry-After, in ms (429, 503). */
  retryAfterMs?: number;
  constructor(message: string) {
    super("signer-retry", message, { kind: "check", hint: "raytls asks again until --retry-seconds run out" });
  }
}

/** Retry-After (RFC 9110 section 10.2.3): whole seconds, or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d{1,9}$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function parseSignerUrl(url: string, where = "url"): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RaytlsError("bad-signer-url", `${where}: "${url}" is not a URL`, { hint: "e.g. https://raytls-signer.default.svc.cluster.local:8443", field: where });
  }
  if (u.protocol !== "https:") {
    throw new RaytlsError("bad-signer-url", `${where}: "${url}" is not https`, { hint: "the signer speaks HTTPS only: https://HOST:8443", field: where });
  }
  return u;
}

export async function requestCertificate(o: SignClientOptions): Promise<SignResponse & { attempts: number }> {
  const url = new URL("/v1/sign", parseSignerUrl(o.url));
  const body = JSON.stringify({ role: o.role, csr: o.csrPem });
  const clock = o.clock ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = clock() + (o.retrySeconds ?? 120) * 1000;
  // Trust exactly caCertPem: the context holds no system roots.
  o = { ...o, secureContext: o.secureContext ?? createSecureContext({ ca: o.caCertPem }) };
  for (let attempt = 0; ; attempt++) {
    let why: string;
    let retryAfterMs: number | undefined;
    try {
      const res = await once(url, body, o);
      return { ...res, attempts: attempt + 1 };
    } catch (err) {
      if (!(err instanceof Retryable)) throw err;
      why = err.message;
      retryAfterMs = err.retryAfterMs;
    }
    const left = deadline - clock();
    if (left <= 0) {
      throw new RaytlsError("signer-unreachable", `no certificate from the signer at ${o.url} after ${attempt + 1} attempts in ${o.retrySeconds ?? 120} s: ${why}`, {
        kind: "check",
        hint: "check that the signer is running and reachable from this pod (Service, NetworkPolicy), or raise --retry-seconds",
      });
    }
    const jitter = backoffDelay(attempt, { ...(o.random ? { random: o.random } : {}) });
    if (retryAfterMs !== undefined && retryAfterMs > left) {
      throw new RaytlsError("signer-busy", `the signer at ${o.url} asks to wait ${Math.ceil(retryAfterMs / 1000)} s (${why}), past the ${o.retrySeconds ?? 120} s of --retry-seconds`, {
        kind: "check",
        hint: "raise --retry-seconds, or the signer's --token-burst/--token-rate if this many certificates are expected",
      });
    }
    // Never sooner than the signer's Retry-After; the jitter on top keeps a crowd told the same
    // number of seconds from coming back in one wave.
    const delayMs = Math.min(left, (retryAfterMs ?? 0) + jitter);
    o.onRetry?.({ attempt: attempt + 1, delayMs, why });
    await sleep(delayMs);
  }
}

function once(url: URL, body: string, o: SignClientOptions): Promise<SignResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        ca: o.caCertPem,
        // tls.connect reads secureContext (https.RequestOptions' type does not list it).
        ...({ secureContext: o.secureContext } as object),
        // One connection per request and no pooling: each pod asks once; nothing to reuse.
        agent: false,
        ...(o.localAddress ? { localAddress: o.localAddress } : {}),
        timeout: o.attemptTimeoutMs ?? 10_000,
        headers: { authorization: `Bearer ${o.token}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", (err) => reject(new Retryable(`response: ${describeCause(err)}`)));
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString("utf8");
          let json: Record<string, unknown> = {};
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            // A proxy's HTML error page: judged by status below.
          }
          if (status === 200 && typeof json.certPem === "string") return resolve(json as unknown as SignResponse);
          const reason = typeof json.reason === "string" ? json.reason : text.slice(0, 200) || res.statusMessage || "";
          if (status === 429 || status >= 500 || status === 200) {
            const retry = new Retryable(`HTTP ${status}${reason ? `: ${reason}` : ""}`);
            const after = parseRetryAfter(res.headers["retry-after"]);
            if (after !== undefined) retry.retryAfterMs = after;
            return reject(retry);
          }
          reject(
            new RaytlsError("signer-refused", `the signer refused (HTTP ${status}${typeof json.error === "string" ? ` ${json.error}` : ""}): ${reason}`, {
              kind: "check",
              hint:
                status === 401 ? "check --token-file: it must hold this role's signer token" :
                json.error === "wrong-role" ? "each role has its own token: pass the token of the role asked for with --role (--token-file)" :
                status === 403 ? "ask only for the names the signer's policy allows (this pod's own IP, 127.0.0.1, localhost; the head FQDN for the head)" :
                "make the request again with `raytls pod-cert --signer` (nothing was written)",
            }),
          );
        });
      },
    );
    // The errno's code: the error handler below reports it as it reports the kernel's ETIMEDOUT.
    req.on("timeout", () => req.destroy(new RaytlsError("ETIMEDOUT", `no answer within ${o.attemptTimeoutMs ?? 10_000} ms`, { kind: "check" })));
    req.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code && PERMANENT_TLS.test(err.code)) {
        reject(
          new RaytlsError("signer-tls", `cannot trust the signer at ${o.url}: ${err.message} (${err.code})`, {
            kind: "check",
            hint: "--ca-cert must be the CA that issued the signer's serving certificate, and the URL's host one of its names",
            cause: err,
          }),
        );
      } else reject(new Retryable(`${err.code ?? "error"}: ${err.message}`));
    });
    req.end(body);
  });
}

/**
 * Checks what came back before anything is written: signed by our CA and for our own key.
 * A signer (or something in between) cannot hand this pod a certificate for another key.
 */
export function checkIssuedCertificate(certPem: string, caCertPem: string, keyPem: string): Certificate {
  let cert: Certificate;
  try {
    cert = readCertificatePem(certPem, "the signer's certificate");
  } catch (err) {
    throw new RaytlsError("signer-bad-cert", `the signer returned something that is not a certificate: ${describeCause(err)}`, { kind: "check" });
  }
  const ca = readCertificatePem(caCertPem, "--ca-cert");
  if (!issuedBy(cert, ca).ok) {
    throw new RaytlsError("signer-bad-cert", "the certificate from the signer is not signed by --ca-cert", { kind: "check", hint: "the signer must use the CA whose ca.crt is passed with --ca-cert" });
  }
  if (!sameBytes(spkiOf(createPrivateKey(keyPem)), cert.publicKey.spki)) {
    throw new RaytlsError("signer-bad-cert", "the certificate from the signer is not for this pod's key", { kind: "check" });
  }
  return cert;
}

export interface PodCertificate extends SignResponse {
  /** The pod's private key (PKCS#8 PEM), made in this process; it was never sent anywhere. */
  keyPem: string;
  caCertPem: string;
  attempts: number;
}

/**
 * A pod's whole job against a signer: make a key and CSR here, send the CSR, check that what came
 * back is signed by `caCertPem` and is for this key. Writes nothing (the caller does).
 */
export async function fetchPodCertificate(
  o: PodIdentity & Omit<SignClientOptions, "csrPem" | "role"> & { keyType?: KeyType },
): Promise<PodCertificate> {
  const csr = await createCsr({ role: o.role, podIp: o.podIp, ...(o.headFqdn ? { headFqdn: o.headFqdn } : {}), dns: o.dns ?? [], ips: o.ips ?? [], ...(o.keyType ? { keyType: o.keyType } : {}) });
  const res = await requestCertificate({ ...o, role: o.role, csrPem: csr.csrPem });
  checkIssuedCertificate(res.certPem, o.caCertPem, csr.keyPem);
  return { ...res, keyPem: csr.keyPem, caCertPem: o.caCertPem };
}
