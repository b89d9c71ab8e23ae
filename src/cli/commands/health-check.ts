/**
 * `raytls health-check --address HOST:PORT`: what `ray health-check` does, with TLS from Ray's
 * environment (RAY_USE_TLS, RAY_TLS_SERVER_CERT/KEY, RAY_TLS_CA_CERT; --ca-cert/--cert/--key override)
 * and a diagnosis when it fails. Exit 0 healthy, 1 unhealthy, 2 bad usage.
 */
import type { Command } from "commander";
import { jsonOption, rayTlsFileOptions } from "../common-options.js";
import { action, type CliContext } from "../context.js";
import { RaytlsError } from "../../errors.js";
import { renamedOption } from "../options.js";

interface Opts {
  address: string;
  protocol: string;
  timeout: string;
  rayVersion?: string;
  skipVersionCheck?: boolean;
  caCert?: string;
  cert?: string;
  key?: string;
  json?: boolean;
  component?: string;
}

/** Ray reads RAY_HEALTHCHECK_EXPIRATION_S (ray_constants.py); 10 s by default. */
function expirySeconds(v: string | undefined): number {
  if (v === undefined || v === "") return 10;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new RaytlsError("bad-env", `RAY_HEALTHCHECK_EXPIRATION_S: "${v}" is not a positive number of seconds`, { hint: "unset it (Ray's default is 10) or give a number such as 10" });
  return n;
}

export function registerHealthCheck(program: Command, ctx: CliContext): void {
  const cmd = program
    .command("health-check")
    .description("check a Ray GCS the way `ray health-check` does, over Ray's mutual TLS, and explain failures")
    .requiredOption("--address <host:port>", "the GCS to check; HOST is the name checked against its certificate")
    .option("--protocol <p>", "auto | cluster-metadata | check-alive | grpc-health", "auto")
    .option("--timeout <seconds>", "give up after this long", "10")
    .option("--ray-version <v>", "local Ray version to compare with the cluster's")
    .option("--skip-version-check", "accepted as Ray accepts it: do not compare versions")
    .option("--component <name>", "as ray health-check --component: also require a fresh health report from this component (Ray's healthcheck KV namespace, younger than $RAY_HEALTHCHECK_EXPIRATION_S, default 10 s)");
  rayTlsFileOptions(cmd, "client").addOption(jsonOption());
  renamedOption(cmd, ctx, "--ca <file>", "--ca-cert")
    .addHelpText(
      "after",
      `
Examples:
  # from a worker pod (KubeRay sets FQ_RAY_IP; Ray's TLS variables set as in the seed's Step 3)
  raytls health-check --address $FQ_RAY_IP:6379            # exit 0: healthy
  raytls health-check --address $RAY_IP:6379               # exit 1: Peer name ... is not in peer certificate
  raytls health-check --address 10.0.0.5:6379 --ca-cert ca.crt --cert tls.crt --key tls.key --json
  raytls health-check --address $FQ_RAY_IP:6379 --component autoscaler

Timeout: --timeout (10 s) bounds the whole check, and a failure is explained at once. Ray's own
health-check has no such flag: a name the head's certificate lacks makes it wait for its GCS
connect timeout (RAY_py_gcs_connect_timeout_s; about 40 s in all with Ray 2.58's defaults) and
then print only "Timed out while waiting for GCS to become available".

Environment: RAY_USE_TLS, RAY_TLS_SERVER_CERT, RAY_TLS_SERVER_KEY, RAY_TLS_CA_CERT (as Ray);
RAYTLS_HOSTS="name=ip,..." maps names to addresses without /etc/hosts (the name checked stays the name given).`,
    )
    .action(
      action(ctx, async (o: Opts) => {
        const [{ healthCheck, HEALTH_PROTOCOLS }, { loadTls }, { parseHostsOverride }] = await Promise.all([
          import("../../ray/health-check.js"),
          import("../../ray/tls-material.js"),
          import("../../ray/dial-target.js"),
        ]);
        if (!(HEALTH_PROTOCOLS as string[]).includes(o.protocol)) {
          throw new RaytlsError("bad-protocol", `--protocol: "${o.protocol}" is not one of ${HEALTH_PROTOCOLS.join(", ")}`);
        }
        const timeout = Number(o.timeout);
        if (!Number.isFinite(timeout) || timeout <= 0) {
          throw new RaytlsError("bad-timeout", `--timeout: "${o.timeout}" is not a positive number of seconds`);
        }
        const tls = await loadTls(ctx.env, { ca: o.caCert, cert: o.cert, key: o.key });
        const r = await healthCheck({
          address: o.address,
          tls,
          hosts: parseHostsOverride(ctx.env.RAYTLS_HOSTS),
          protocol: o.protocol as (typeof HEALTH_PROTOCOLS)[number],
          timeoutMs: timeout * 1000,
          ...(o.rayVersion ? { rayVersion: o.rayVersion } : {}),
          skipVersionCheck: Boolean(o.skipVersionCheck),
          ...(o.component !== undefined ? { component: o.component, componentMaxAgeS: expirySeconds(ctx.env.RAY_HEALTHCHECK_EXPIRATION_S) } : {}),
        });
        if (o.json) {
          ctx.out(JSON.stringify(r, null, 2) + "\n");
        } else if (r.ok) {
          const rpcs = r.steps.filter((s) => s.ok).map((s) => s.rpc).join(" + ");
          ctx.out(`healthy: ${r.address} (${rpcs}${r.rayVersion ? `; Ray ${r.rayVersion}` : ""}; ${r.tls ? "mutual TLS, peer name ok" : "plaintext"}; ${r.ms} ms)\n`);
        } else {
          const f = r.failure!;
          // The verdict is the result, on stdout like verify's and lint's FAIL lines (issue 11).
          ctx.out(`unhealthy: ${r.address}: ${f.message}\n`);
          for (const fact of f.facts) ctx.out(`  - ${fact}\n`);
          if (f.hint) ctx.out(`  hint: ${f.hint}\n`);
        }
        return r.ok ? 0 : 1;
      }),
    );
}
