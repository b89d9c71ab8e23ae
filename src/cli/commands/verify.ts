/** `raytls verify`: Step 4 offline — would Ray's gRPC accept this certificate for these names? */
import path from "node:path";
import type { Command } from "commander";
import { action, type CliContext } from "../context.js";
import { collect, parseTime, renamedOption } from "../options.js";

export function registerVerify(program: Command, ctx: CliContext): void {
  const cmd = program
    .command("verify")
    .description("check a certificate against its CA, the clock, Ray's usage and the names it will be dialed by")
    .option("--ca-cert <file>", "CA certificate(s) to trust (RAY_TLS_CA_CERT); required")
    .requiredOption("--cert <file>", "the certificate (RAY_TLS_SERVER_CERT); may hold intermediates after it")
    .option("--key <file>", "its private key (RAY_TLS_SERVER_KEY): checks they match")
    .option("--host <name>", "a host it will be dialed by, IP or name (repeatable); judged as gRPC C-core does", collect, [])
    .option("--purpose <p>", "server | client | both (Ray uses one certificate both ways)", "both")
    .option("--at <time>", "judge validity at this ISO time instead of now")
    .option("--json", "print the result as JSON");
  renamedOption(cmd, ctx, "--ca <file>", "--ca-cert", { required: true })
    .addHelpText(
      "after",
      `
Exit 0 when every check passes, 1 with one line per problem otherwise. Warnings never change it.

Examples:
  raytls verify --ca-cert ca/ca.crt --cert head/tls.crt --key head/tls.key \\
      --host raycluster-tls-head-svc.default.svc.cluster.local --host 127.0.0.1
  raytls verify --ca-cert ca/ca.crt --cert head/tls.crt --host raycluster-tls-head-svc   # Step 4's failure, explained`,
    )
    .action(
      action(ctx, async (opts: { caCert: string; cert: string; key?: string; host: string[]; purpose: string; at?: string; json?: boolean }) => {
        const { verifyCertificate, parsePurpose } = await import("../../pki/verify.js");
        const { readInputFile } = await import("../../io/secure-files.js");
        const purpose = parsePurpose(opts.purpose);
        const at = opts.at ? parseTime(opts.at) : new Date();
        const files = { ca: path.resolve(ctx.cwd, opts.caCert), cert: path.resolve(ctx.cwd, opts.cert), ...(opts.key ? { key: path.resolve(ctx.cwd, opts.key) } : {}) };
        const [caPem, certPem, keyPem] = await Promise.all([readInputFile(files.ca, "--ca-cert"), readInputFile(files.cert, "--cert"), files.key ? readInputFile(files.key, "--key") : Promise.resolve(undefined)]);
        const misordered = leafNotFirst(certPem, opts.cert, (await import("../../pki/certificate-reader.js")).readCertificatesPem);
        if (misordered) {
          if (opts.json) ctx.out(JSON.stringify({ ok: false, checks: [{ check: "order", ok: false, ...misordered }] }, null, 2) + "\n");
          else ctx.out(`FAIL  order: ${misordered.message}\n      hint: ${misordered.hint}\n${opts.cert}: 1 problem(s)\n`);
          return 1;
        }
        const report = verifyCertificate({ caPem, certPem, ...(keyPem !== undefined ? { keyPem } : {}), hosts: opts.host, purpose, at, files: { ca: opts.caCert, cert: opts.cert, ...(opts.key ? { key: opts.key } : {}) } });
        if (opts.json) {
          ctx.out(JSON.stringify(report, null, 2) + "\n");
        } else {
          for (const c of report.checks) {
            if (c.ok) ctx.out(`ok    ${c.check}: ${c.message}\n`);
            else ctx.out(`FAIL  ${c.check}: ${c.message}\n${c.hint ? `      hint: ${c.hint}\n` : ""}`);
          }
          for (const w of report.warnings) ctx.err(`warning: ${w}\n`);
          ctx.out(report.ok ? `${opts.cert}: OK\n` : `${opts.cert}: ${report.checks.filter((c) => !c.ok).length} problem(s)\n`);
        }
        return report.ok ? 0 : 1;
      }),
    );
}

/**
 * A bundle whose first certificate is a CA while a leaf follows (issue 11): Ray, gRPC and openssl
 * take the first block as the certificate, so every other check would judge the CA instead. Say
 * so once, with where the leaf is, instead of three unrelated failures.
 */
function leafNotFirst(
  pem: string,
  file: string,
  read: (text: string, where: string) => Array<{ ca?: { isCa: boolean } | undefined; node: { subject: string } }>,
): { message: string; hint: string } | undefined {
  const certs = read(pem, file);
  if (certs.length < 2 || !certs[0]!.ca?.isCa) return undefined;
  const leaf = certs.findIndex((c) => !c.ca?.isCa);
  if (leaf < 0) return undefined;
  const lines = pem.split("\n").flatMap((l, i) => (l.startsWith("-----BEGIN CERTIFICATE-----") ? [i + 1] : []));
  const name = (i: number) => certs[i]!.node.subject.replace(/\n/g, ", ");
  return {
    message: `${file}: the first certificate is a CA (${name(0)}); the pod certificate must come first, and it is certificate ${leaf + 1} of ${certs.length} (${name(leaf)}, line ${lines[leaf] ?? "?"})`,
    hint: "put the pod certificate first, then any intermediates (Ray and gRPC present the first one); the CA belongs in --ca-cert",
  };
}
