/**
 * Ray's TLS environment contract (ray-tls-facts.md section 1): RAY_USE_TLS is on for "1" or "true"
 * in any case; when on, RAY_TLS_SERVER_CERT, RAY_TLS_SERVER_KEY and RAY_TLS_CA_CERT must all be set.
 */
import { RaytlsError } from "../errors.js";

/** Ray's own words (python/ray/_private/tls_utils.py). */
export const RAY_MISSING_TLS_VARS =
  "If the environment variable RAY_USE_TLS is set to true then RAY_TLS_SERVER_CERT, RAY_TLS_SERVER_KEY and RAY_TLS_CA_CERT must also be set.";

export const TLS_VARS = ["RAY_TLS_SERVER_CERT", "RAY_TLS_SERVER_KEY", "RAY_TLS_CA_CERT"] as const;

export type RayTlsEnv = { enabled: false } | { enabled: true; certFile: string; keyFile: string; caFile: string };

/** Ray: `os.environ.get("RAY_USE_TLS", "0").lower() in ("1", "true")`; no trimming, so " 1" is off. */
export function tlsEnabled(value: string | undefined): boolean {
  return value !== undefined && ["1", "true"].includes(value.toLowerCase());
}

export function readRayTlsEnv(env: NodeJS.ProcessEnv): RayTlsEnv {
  if (!tlsEnabled(env.RAY_USE_TLS)) return { enabled: false };
  const missing = TLS_VARS.filter((v) => !env[v]);
  if (missing.length > 0) {
    throw new RaytlsError("ray-tls-env", RAY_MISSING_TLS_VARS, {
      hint: `set ${missing.join(", ")} (in Kubernetes: env on every Ray container, paths into the ray-tls volume)`,
    });
  }
  return { enabled: true, certFile: env.RAY_TLS_SERVER_CERT!, keyFile: env.RAY_TLS_SERVER_KEY!, caFile: env.RAY_TLS_CA_CERT! };
}
