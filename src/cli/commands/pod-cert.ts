/** `raytls pod-cert` (seed Step 2): the init container's job. */
import path from "node:path";
import type { Command } from "commander";
import { action, type CliContext } from "../context.js";
import { collect, expiry, parseDays } from "../options.js";

export interface PodCertFlags {
  role: string;
  podIp?: string;
  headFqdn?: string;
  dns: string[];
  ip: string[];
  caDir?: string;
  caCert?: string;
  caKey?: string;
  out: string;
  days: string;
  keyType: string;
  force?: boolean;
  json?: boolean;
}

/** The SAN flags shared with `csr create`. */
export function addIdentityOptions(cmd: Command): Command {
  return cmd
    .requiredOption("--role <role>", "head | worker")
    .option("--pod-ip <ip>", "this pod's IP (default: $POD_IP)")
    .option("--head-fqdn <name>", "head Service FQDN, head only (default: $FQ_RAY_IP)")
    .option("--dns <name>", "extra DNS SAN, repeatable (the seed's DNS.3 = $RAY_IP tip: --dns <short name>)", collect, [])
    .option("--ip <ip>", "extra IP SAN, repeatable", collect, [])
    .option("--key-type <type>", "ecdsa-p256 | ecdsa-p384 | rsa-2048 | rsa-3072 | rsa-4096", "ecdsa-p256");
}

export function registerPodCert(program: Command, ctx: CliContext): void {
  const cmd = program.command("pod-cert").description("make this pod's key and CA-signed certificate (the init container's job)");
  addIdentityOptions(cmd)
    .option("--ca-dir <dir>", "CA directory with ca.crt and ca.key (default: /etc/ca/tls)")
    .option("--ca-cert <file>", "CA certificate (with --ca-key, instead of --ca-dir)")
    .option("--ca-key <file>", "CA private key")
    .option("--out <dir>", "where tls.key, tls.crt and ca.crt go", "/etc/ray/tls")
    .option("--days <n>", "validity in days", "365")
    .option("--force", "overwrite existing files")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      `
SANs follow the seed: head = DNS localhost, DNS <head FQDN>, IP 127.0.0.1, IP <pod IP>;
worker = DNS localhost, IP 127.0.0.1, IP <pod IP>; plus --dns/--ip extras.

Examples:
  # in a head pod's init container (POD_IP from status.podIP, FQ_RAY_IP injected by KubeRay)
  raytls pod-cert --role head
  # by hand
  raytls pod-cert --role worker --pod-ip 10.244.0.7 --ca-dir ./ca --out ./worker-tls
  raytls pod-cert --role head --pod-ip 10.244.0.5 --head-fqdn raycluster-tls-head-svc.default.svc.cluster.local \\
      --dns raycluster-tls-head-svc --ca-dir ./ca --out ./head-tls`,
    )
    .action(
      action(ctx, async (opts: PodCertFlags) => {
        const { parseKeyType } = await import("../../pki/key-types.js");
        const { parseRole } = await import("../../pki/pod-identity.js");
        const { issuePodCert } = await import("../../pki/issue.js");
        const { writeFilesAtomically } = await import("../../io/secure-files.js");
        const { loadCaFromFlags } = await import("../ca-source.js");
        const role = parseRole(opts.role);
        const keyType = parseKeyType(opts.keyType);
        const days = parseDays(opts.days);
        const podIp = opts.podIp ?? ctx.env.POD_IP ?? "";
        const headFqdn = opts.headFqdn ?? ctx.env.FQ_RAY_IP;
        // Validate the identity before touching the CA, so the message names the real problem.
        const { podSans } = await import("../../pki/pod-identity.js");
        podSans({ role, podIp, ...(headFqdn ? { headFqdn } : {}), dns: opts.dns, ips: opts.ip });
        const ca = await loadCaFromFlags(opts, ctx.cwd, "/etc/ca/tls");
        const made = issuePodCert({ ca, role, podIp, ...(headFqdn ? { headFqdn } : {}), dns: opts.dns, ips: opts.ip, keyType, days });
        const dir = path.resolve(ctx.cwd, opts.out);
        const files = { key: path.join(dir, "tls.key"), cert: path.join(dir, "tls.crt"), ca: path.join(dir, "ca.crt") };
        await writeFilesAtomically(
          [
            { path: files.key, data: made.keyPem, mode: 0o600 },
            { path: files.cert, data: made.certPem, mode: 0o644 },
            { path: files.ca, data: ca.certPem, mode: 0o644 },
          ],
          { force: Boolean(opts.force) },
        );
        const sans = made.sans.map((s) => `${s.type === "dns" ? "DNS" : "IP"}:${s.value}`);
        if (opts.json) {
          ctx.out(JSON.stringify({ ok: true, role, keyType, sans, serial: made.serialHex, notAfter: made.notAfter.toISOString(), files }, null, 2) + "\n");
        } else {
          ctx.out(`Issued a ${role} certificate (${keyType}) for ${sans.join(", ")}\n`);
          ctx.out(`  ${files.key}  private key (0600), made here; it never leaves this pod\n`);
          ctx.out(`  ${files.cert}  certificate, valid until ${expiry(made.notAfter)}\n`);
          ctx.out(`  ${files.ca}  CA certificate (no CA key)\n`);
          ctx.out(`Ray env: RAY_USE_TLS=1 RAY_TLS_SERVER_CERT=${files.cert} RAY_TLS_SERVER_KEY=${files.key} RAY_TLS_CA_CERT=${files.ca}\n`);
        }
        return 0;
      }),
    );
}
