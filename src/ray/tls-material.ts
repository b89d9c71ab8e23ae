/**
 * Where a raytls process gets its TLS files: Ray's environment contract (src/ray/tls-env.ts,
 * facts section 1), with the `--ca-cert/--cert/--key` flags of `health-check` overriding single
 * variables. Giving any flag turns TLS on, as RAY_USE_TLS=1 would; a missing piece then fails with
 * Ray's own message.
 */
import { RaytlsError } from "../errors.js";
import { readInputFile } from "../io/secure-files.js";
import { readRayTlsEnv } from "./tls-env.js";
import type { ClientTls } from "./client-tls.js";

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  caFile: string;
}

export interface TlsFlags {
  ca?: string;
  cert?: string;
  key?: string;
}

/** `null` means plaintext (RAY_USE_TLS unset, 0 or false, and no flag given). */
export function tlsFilesFrom(env: NodeJS.ProcessEnv, flags: TlsFlags = {}): TlsFiles | null {
  const anyFlag = Boolean(flags.ca || flags.cert || flags.key);
  const merged: NodeJS.ProcessEnv = {
    ...env,
    ...(anyFlag ? { RAY_USE_TLS: "1" } : {}),
    ...(flags.cert ? { RAY_TLS_SERVER_CERT: flags.cert } : {}),
    ...(flags.key ? { RAY_TLS_SERVER_KEY: flags.key } : {}),
    ...(flags.ca ? { RAY_TLS_CA_CERT: flags.ca } : {}),
  };
  const contract = readRayTlsEnv(merged);
  if (!contract.enabled) return null;
  return { certFile: contract.certFile, keyFile: contract.keyFile, caFile: contract.caFile };
}

/** Reads the three files; errors name the file and the variable it came from. */
export async function readTlsFiles(files: TlsFiles): Promise<ClientTls & TlsFiles> {
  const [cert, key, ca] = await Promise.all([
    readInputFile(files.certFile, "RAY_TLS_SERVER_CERT"),
    readInputFile(files.keyFile, "RAY_TLS_SERVER_KEY"),
    readInputFile(files.caFile, "RAY_TLS_CA_CERT"),
  ]);
  if (/ENCRYPTED/.test(key)) {
    // Ray (C-core) cannot use encrypted keys (facts section 1).
    throw new RaytlsError("encrypted-key", `RAY_TLS_SERVER_KEY: ${files.keyFile} is encrypted`, {
      hint: "Ray needs an unencrypted key; re-issue it with raytls pod-cert (keys are written 0600)",
    });
  }
  return { ...files, cert: Buffer.from(cert), key: Buffer.from(key), ca: Buffer.from(ca) };
}

export async function loadTls(env: NodeJS.ProcessEnv, flags: TlsFlags = {}): Promise<(ClientTls & TlsFiles) | null> {
  const files = tlsFilesFrom(env, flags);
  return files ? readTlsFiles(files) : null;
}
