/** `raytls signer serve`: the CA-holding issuing service (issue 5). Parses, starts, waits for a signal. */
import path from "node:path";
import type { Command } from "commander";
import { daysOption } from "../common-options.js";
import { action, type CliContext } from "../context.js";
import { collect, parseDays, parseNumber, renamedOption } from "../options.js";
import { RaytlsError } from "../../errors.js";

interface SignerServeFlags {
  caDir: string;
  listen: string;
  headTokenFile: string;
  workerTokenFile: string;
  headFqdn: string;
  headDns: string[];
  servingDns: string[];
  auditLog?: string;
  days: string;
  tokenBurst: string;
  tokenRate: string;
  maxConnections: string;
  maxConnectionsPerIp: string;
  auditWindow: string;
}

/** `IP:PORT` or `[IPv6]:PORT`. */
export function parseListen(value: string, flag = "--listen"): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new RaytlsError("bad-listen", `${flag}: "${value}" is not IP:PORT`, { hint: `e.g. ${flag} 0.0.0.0:8443 or ${flag} [::]:8443` });
  }
  return { host: (m[1] ?? m[2])!, port };
}

export function registerSigner(program: Command, ctx: CliContext): void {
  const signer = program.command("signer").description("the signer: holds the CA key, issues each pod a certificate for its own IP");
  const serveCmd = signer
    .command("serve")
    .description("serve POST /v1/sign over HTTPS (serving certificate issued at start from the same CA)")
    .requiredOption("--ca-dir <dir>", "CA directory with ca.crt and ca.key (only the signer reads it)")
    .requiredOption("--listen <ip:port>", "address to listen on, e.g. 0.0.0.0:8443")
    .requiredOption("--head-token-file <file>", "file holding the head role's bearer token")
    .requiredOption("--worker-token-file <file>", "file holding the worker role's bearer token")
    .requiredOption("--head-fqdn <name>", "head Service FQDN: the only DNS name (besides localhost) a head may get")
    .option("--head-dns <name>", "another DNS name a head may get, e.g. the short Service name; repeatable", collect, [])
    .option("--serving-dns <name>", "DNS name in the signer's own serving certificate (its Service FQDN); repeatable", collect, [])
    .option("--audit-log <file>", "append one JSON line per decision here (default: stdout; - for stdout)")
    .addOption(daysOption("365", "validity of issued certificates in days"))
    .option("--token-burst <n>", "certificates one role token may get at once (then 429 with Retry-After)", "2000")
    .option("--token-rate <n>", "refill of each token's allowance, certificates per second", "10")
    .option("--max-connections <n>", "open connections in all; the last eighth is kept for addresses holding fewer than 8", "4096")
    .option("--max-connections-per-ip <n>", "open connections from one source address", "128")
    .option("--audit-window <seconds>", "refusals from one address past 10 per window are logged as one summary line", "10");
  // --dns means an extra SAN of a pod certificate everywhere else (pod-cert, csr create).
  renamedOption(serveCmd, ctx, "--dns <name>", "--serving-dns", { repeatable: true })
    .addHelpText(
      "after",
      `
Policy: the bearer token decides the role. IP SANs may only be 127.0.0.1 and the request's TCP
peer address (the pod's own IP on a flat pod network); DNS SANs only localhost, plus for the head
--head-fqdn and --head-dns. The certificate is built from policy, never copied from the CSR.
Refusals: 401 bad token, 403 policy, 400 bad CSR, 429 rate limit, as JSON {error, reason}.
One request per connection; a connection must bring it whole within 10 s. See docs/signer.md.

Example:
  raytls signer serve --ca-dir ./ca --listen 0.0.0.0:8443 \\
      --head-token-file head.token --worker-token-file worker.token \\
      --head-fqdn demo-head-svc.default.svc.cluster.local --serving-dns demo-signer.default.svc.cluster.local
  POD_IP=127.0.0.1 raytls pod-cert --role worker --signer https://127.0.0.1:8443 \\
      --token-file worker.token --ca-cert ./ca/ca.crt --out ./tls`,
    )
    .action(action(ctx, async (o: SignerServeFlags) => serve(ctx, o)));
}

async function serve(ctx: CliContext, o: SignerServeFlags): Promise<number> {
  const [{ readCaDir }, { readInputFile }, { checkDnsName }, { startSigner }, audit] = await Promise.all([
    import("../../io/ca-dir.js"),
    import("../../io/secure-files.js"),
    import("../../pki/names.js"),
    import("../../signer/server.js"),
    import("../../signer/audit.js"),
  ]);
  const { host, port } = parseListen(o.listen);
  const days = parseDays(o.days);
  const limits = {
    tokenBurst: parseNumber(o.tokenBurst, "--token-burst", { min: 1, max: 1e9, whole: true, example: "2000" }),
    tokenRate: parseNumber(o.tokenRate, "--token-rate", { min: 0, max: 1e6, example: "10" }),
    maxConnections: parseNumber(o.maxConnections, "--max-connections", { min: 16, max: 1e6, whole: true, example: "4096" }),
    maxConnectionsPerSource: parseNumber(o.maxConnectionsPerIp, "--max-connections-per-ip", { min: 1, max: 1e6, whole: true, example: "128" }),
    auditWindowMs: parseNumber(o.auditWindow, "--audit-window", { min: 1, max: 86400, whole: true, example: "10" }) * 1000,
  };
  const headFqdn = checkDnsName(o.headFqdn, "--head-fqdn");
  const headDns = o.headDns.map((d) => checkDnsName(d, "--head-dns"));
  const dns = o.servingDns.map((d) => checkDnsName(d, "--serving-dns"));
  const readToken = async (file: string, flag: string): Promise<string> => {
    const t = (await readInputFile(path.resolve(ctx.cwd, file), flag)).trim();
    // 16 characters is far below what `manifest --mode signer` makes (43), but rules out "x".
    if (t.length < 16 || /\s/.test(t)) throw new RaytlsError("bad-token-file", `${flag}: ${file} must hold one token of at least 16 characters`, { hint: "make one with: head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '='" });
    return t;
  };
  const headToken = await readToken(o.headTokenFile, "--head-token-file");
  const workerToken = await readToken(o.workerTokenFile, "--worker-token-file");
  const caDir = path.resolve(ctx.cwd, o.caDir);
  const ca = await readCaDir(caDir);
  const sink = o.auditLog === undefined || o.auditLog === "-" ? audit.streamAuditSink({ write: (s: string) => ctx.out(s) }) : await audit.fileAuditSink(path.resolve(ctx.cwd, o.auditLog));
  if ("notice" in sink && sink.notice) ctx.err(`raytls signer: ${sink.notice}\n`);
  const running = await startSigner({ ca, host, port, headToken, workerToken, headFqdn, headDns, dns, days, audit: sink, limits });
  const { sanStrings } = await import("../../pki/san.js");
  const names = sanStrings(running.servingSans).join(", ");
  ctx.err(`raytls signer listening on ${running.url} (CA ${caDir}; serving certificate for ${names})\n`);
  if (Date.now() + days * 86_400_000 > ca.cert.notAfter.getTime()) ctx.err(`note: --days ${days} outlasts the CA; certificates issued from now on end with the CA on ${ca.cert.notAfter.toISOString()}\n`);
  ctx.err(`heads may get: localhost, ${[headFqdn, ...headDns].join(", ")}, 127.0.0.1, their own IP; workers: localhost, 127.0.0.1, their own IP\n`);
  ctx.err(`limits: ${limits.tokenBurst} certificates per token at once, then ${limits.tokenRate}/s; ${limits.maxConnections} connections, ${limits.maxConnectionsPerSource} per address\n`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  ctx.err("raytls signer: shutting down\n");
  await running.close();
  return 0;
}
