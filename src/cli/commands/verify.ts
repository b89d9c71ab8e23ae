/** `raytls verify`: Step 4 offline — would Ray's gRPC accept this certificate for these names? */
import path from "node:path";
import type { Command } from "commander";
import { jsonOption, rayTlsFileOptions } from "../common-options.js";
import { action, type CliContext } from "../context.js";
import { collect, parseTime, renamedOption } from "../options.js";

export function registerVerify(program: Command, ctx: CliContext): void {
  const cmd = rayTlsFileOptions(program.command("verify").description("check a certificate against its CA, the clock, Ray's usage and the names it will be dialed by"), "judged")
    .option("--host <name>", "a host it will be dialed by, IP or name (repeatable); judged as gRPC C-core does", collect, [])
    .option("--purpose <p>", "server | client | both (Ray uses one certificate both ways)", "both")
    .option("--at <time>", "judge validity at this ISO time instead of now")
    .addOption(jsonOption());
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
        const misordered = (await import("../../pki/bundle-order.js")).leafNotFirst(certPem, opts.cert, "--ca-cert");
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

