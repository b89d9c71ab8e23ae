/**
 * `raytls env check`: would this container's Ray start with TLS, and would its peers accept it?
 * Ray's own contract (ray-tls-facts.md section 1) first, then what Ray does not check but the
 * handshake will: files readable, PEM parses, key matches, chain and validity, EKU both ways, and
 * the pod IP in the certificate: Ray's own processes dial their node's GCS and raylet at the pod IP
 * with the pod certificate (checked with Ray 2.58: a head whose certificate lacks it never starts),
 * and the head dials workers by it.
 */
import { promises as fsp } from "node:fs";
import { describeCause } from "../errors.js";
import { readCertificatesPem } from "../pki/certificate-reader.js";
import { parsePrivateKey } from "../pki/keys.js";
import { verifyCertificate } from "../pki/verify.js";
import { leafNotFirst } from "../pki/bundle-order.js";
import { checkPeerNameFacts } from "../pki/peer-name.js";
import { RAY_MISSING_TLS_VARS, TLS_VARS, tlsEnabled } from "./tls-env.js";

export interface EnvFinding {
  ok: boolean;
  /** The environment variable concerned, e.g. RAY_TLS_SERVER_CERT. */
  variable: string;
  file?: string;
  message: string;
  hint?: string;
  /** The check did not run (an input it needs is absent); `ok` stays true, the report says so. */
  skipped?: boolean;
}

export interface EnvReport {
  ok: boolean;
  tls: boolean;
  findings: EnvFinding[];
}

type ReadFile = (file: string) => Promise<string>;

export async function checkRayEnv(env: NodeJS.ProcessEnv, now = new Date(), readFile: ReadFile = (f) => fsp.readFile(f, "utf8")): Promise<EnvReport> {
  const findings: EnvFinding[] = [];
  const raw = env.RAY_USE_TLS;
  const on = tlsEnabled(raw);
  if (!on) {
    const known = raw === undefined || ["0", "false", ""].includes(raw.toLowerCase());
    findings.push({
      ok: false,
      variable: "RAY_USE_TLS",
      message: raw === undefined ? "RAY_USE_TLS is not set: Ray runs without TLS (plaintext gRPC)" : known ? `RAY_USE_TLS=${raw}: Ray runs without TLS (plaintext gRPC)` : `RAY_USE_TLS=${JSON.stringify(raw)} is not a value Ray reads as on (it wants exactly 1 or true, any case, no spaces): Ray runs without TLS`,
      hint: "set RAY_USE_TLS=1 on every Ray container; a cluster with TLS on in some pods and off in others cannot talk",
    });
    return { ok: false, tls: false, findings };
  }
  findings.push({ ok: true, variable: "RAY_USE_TLS", message: `RAY_USE_TLS=${raw}: TLS is on` });
  const missing = TLS_VARS.filter((v) => !env[v]);
  if (missing.length > 0) {
    findings.push({ ok: false, variable: missing.join(", "), message: RAY_MISSING_TLS_VARS, hint: `set ${missing.join(", ")}` });
    return { ok: false, tls: true, findings };
  }
  const texts: Partial<Record<(typeof TLS_VARS)[number], string>> = {};
  for (const v of TLS_VARS) {
    const file = env[v]!;
    try {
      texts[v] = await readFile(file);
      findings.push({ ok: true, variable: v, file, message: `${v}=${file} is readable` });
    } catch (err) {
      findings.push({ ok: false, variable: v, file, message: `${v}=${file} cannot be read: ${describeCause(err)}`, hint: "Ray's C++ side reads an unreadable file as empty PEM and every handshake fails; fix the path or the volume mount" });
    }
  }
  const certPem = texts.RAY_TLS_SERVER_CERT;
  const keyPem = texts.RAY_TLS_SERVER_KEY;
  const caPem = texts.RAY_TLS_CA_CERT;
  if (certPem === undefined || keyPem === undefined || caPem === undefined) return { ok: false, tls: true, findings };

  // Parse each file on its own first, so a bad one is blamed on its own variable even when two
  // variables point at the same path.
  const parsers: Array<[(typeof TLS_VARS)[number], () => unknown]> = [
    ["RAY_TLS_CA_CERT", () => readCertificatesPem(caPem, env.RAY_TLS_CA_CERT!)],
    ["RAY_TLS_SERVER_CERT", () => readCertificatesPem(certPem, env.RAY_TLS_SERVER_CERT!)],
    ["RAY_TLS_SERVER_KEY", () => parsePrivateKey(keyPem, env.RAY_TLS_SERVER_KEY!)],
  ];
  let parsed = true;
  for (const [variable, parse] of parsers) {
    try {
      parse();
    } catch (err) {
      const e = err as { message?: string; hint?: string };
      findings.push({ ok: false, variable, file: env[variable]!, message: e.message ?? String(err), ...(e.hint ? { hint: e.hint } : {}) });
      parsed = false;
    }
  }
  if (!parsed) return { ok: false, tls: true, findings };
  const misordered = leafNotFirst(certPem, env.RAY_TLS_SERVER_CERT!, "RAY_TLS_CA_CERT");
  if (misordered) {
    findings.push({ ok: false, variable: "RAY_TLS_SERVER_CERT", file: env.RAY_TLS_SERVER_CERT!, ...misordered });
    return { ok: false, tls: true, findings };
  }

  const report = verifyCertificate({ caPem, certPem, keyPem, purpose: "both", at: now, files: { ca: env.RAY_TLS_CA_CERT!, cert: env.RAY_TLS_SERVER_CERT!, key: env.RAY_TLS_SERVER_KEY! } });
  for (const c of report.checks) {
    const variable = c.check === "key" ? "RAY_TLS_SERVER_KEY" : c.check === "ca" ? "RAY_TLS_CA_CERT" : "RAY_TLS_SERVER_CERT";
    findings.push({ ok: c.ok, variable, file: env[variable]!, message: c.message, ...(c.hint ? { hint: c.hint } : {}) });
  }
  for (const w of report.warnings) findings.push({ ok: true, variable: "RAY_TLS_SERVER_CERT", file: env.RAY_TLS_SERVER_CERT!, message: `warning: ${w}` });

  const podIp = env.POD_IP;
  if (podIp) {
    const [leaf] = readCertificatesPem(certPem, env.RAY_TLS_SERVER_CERT!);
    // Judged as gRPC C-core judges the dial to this IP (a CN never covers an IP).
    const v = checkPeerNameFacts(podIp, leaf!);
    findings.push(
      v.ok
        ? { ok: true, variable: "POD_IP", message: `the certificate covers this pod's IP ${podIp}` }
        : {
            ok: false,
            variable: "POD_IP",
            file: env.RAY_TLS_SERVER_CERT!,
            message: `${v.message}: the certificate lacks this pod's IP (POD_IP=${podIp}); Ray's own processes dial this node's GCS at it, so a head never starts (ray start hangs), and the head dials workers by it`,
            hint: "re-issue in the init container with POD_IP from status.podIP (raytls pod-cert)",
          },
    );
  } else {
    // Not a quiet pass (issue 11): without POD_IP the check that matters most for workers did not run.
    findings.push({
      ok: true,
      skipped: true,
      variable: "POD_IP",
      message: "POD_IP is not set: whether the certificate covers this pod's IP (the head dials workers by it) was not checked",
      hint: "set POD_IP to the pod's IP (in Kubernetes: env POD_IP from fieldRef status.podIP) and run again",
    });
  }
  return { ok: findings.every((f) => f.ok), tls: true, findings };
}
