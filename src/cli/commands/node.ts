/**
 * `raytls node --role head|worker`: Ray-compatible test nodes that read Ray's TLS environment
 * exactly as Ray does (RAY_USE_TLS=1 with a missing variable refuses to start with Ray's message).
 * Runs until SIGINT or SIGTERM. Log lines go to stderr.
 */
import { Option, type Command } from "commander";
import { action, type CliContext } from "../context.js";
import { RaytlsError } from "../../errors.js";
import { parsePort, renamedOption } from "../options.js";

interface Opts {
  role: string;
  bind: string;
  port?: string;
  rayVersion: string;
  podIp?: string;
  address?: string;
  benchEcho?: boolean;
}

export function registerNode(program: Command, ctx: CliContext): void {
  const cmd = program
    .command("node")
    .description("run a Ray-compatible test head or worker with Ray's TLS environment (RAY_USE_TLS and friends)")
    .requiredOption("--role <role>", "head | worker")
    .option("--bind <ip>", "head: address to listen on", "0.0.0.0")
    .option("--port <n>", "head: GCS port (default 6379); worker: grpc.health port (default: any free)")
    .option("--ray-version <v>", "head: the Ray version it reports", "2.52.0")
    .option("--pod-ip <ip>", "worker: its own IP (default $POD_IP); it serves and registers there")
    .option("--address <host:port>", "worker: the head (default $RAY_ADDRESS, else $FQ_RAY_IP:6379)")
    .addOption(new Option("--bench-echo", "head: also serve raytls.bench.v1.Echo (npm run bench)").hideHelp());
  // --host is a name to check in verify; here it was the listen address.
  renamedOption(cmd, ctx, "--host <ip>", "--bind")
    .addHelpText(
      "after",
      `
Examples:
  RAY_USE_TLS=1 RAY_TLS_SERVER_CERT=tls.crt RAY_TLS_SERVER_KEY=tls.key RAY_TLS_CA_CERT=ca.crt \\
    raytls node --role head --port 6379
  POD_IP=127.0.0.3 RAY_ADDRESS=127.0.0.2:6379 RAY_USE_TLS=1 ... raytls node --role worker`,
    )
    .action(
      action(ctx, async (o: Opts) => {
        if (o.role !== "head" && o.role !== "worker") {
          throw new RaytlsError("bad-role", `--role: "${o.role}" is not head or worker`);
        }
        const [{ loadTls }, { parseHostsOverride }] = await Promise.all([import("../../ray/tls-material.js"), import("../../ray/dial-target.js")]);
        const tls = await loadTls(ctx.env);
        const hosts = parseHostsOverride(ctx.env.RAYTLS_HOSTS);
        const log = (line: string) => ctx.err(`[${new Date().toISOString()}] ${o.role}: ${line}\n`);
        let close: () => Promise<void>;
        if (o.role === "head") {
          const { startHead } = await import("../../ray/head-node.js");
          const services = o.benchEcho ? [(await import("../../bench/echo-service.js")).echoService] : [];
          const head = await startHead({ host: o.bind, port: parsePort(o.port ?? "6379", "--port", { allowZero: true }), tls, rayVersion: o.rayVersion, hosts, log, services });
          close = head.close;
        } else {
          const { startWorker, headAddressFromEnv } = await import("../../ray/worker-node.js");
          const podIp = o.podIp ?? ctx.env.POD_IP;
          if (!podIp) throw new RaytlsError("no-pod-ip", "a worker needs its pod IP: --pod-ip or $POD_IP", { hint: "KubeRay sets POD_IP from status.podIP" });
          const worker = await startWorker({
            headAddress: o.address ?? headAddressFromEnv(ctx.env),
            podIp,
            port: parsePort(o.port ?? "0", "--port", { allowZero: true }),
            tls,
            hosts,
            log,
          });
          close = worker.close;
        }
        await new Promise<void>((resolve) => {
          process.once("SIGINT", resolve);
          process.once("SIGTERM", resolve);
        });
        log("shutting down");
        await close();
        return 0;
      }),
    );
}
