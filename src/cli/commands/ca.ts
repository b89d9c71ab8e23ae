/** `raytls ca create` (seed Step 1-1). */
import path from "node:path";
import type { Command } from "commander";
import { daysOption, forceOption, jsonOption, keyTypeOption } from "../common-options.js";
import { action, type CliContext } from "../context.js";
import { expiry, parseDays } from "../options.js";

export function registerCa(program: Command, ctx: CliContext): void {
  const ca = program.command("ca").description("Certificate authority (seed Step 1)");
  ca.command("create")
    .description("make a CA key and self-signed certificate: DIR/ca.crt and DIR/ca.key")
    .requiredOption("--out <dir>", "directory to write ca.crt and ca.key into")
    .addOption(keyTypeOption())
    .addOption(daysOption("3650"))
    .option("--subject <dn>", 'subject in openssl -subj notation, e.g. "/CN=Ray CA/O=Example"')
    .addOption(forceOption())
    .addOption(jsonOption())
    .addHelpText(
      "after",
      `
Examples:
  raytls ca create --out ./ca
  raytls ca create --out ./ca --key-type rsa-2048 --subject "/CN=*.kuberay.com/C=US/L=San Francisco"   # the seed's CA

The CA key is written 0400. Keep it off Ray pods: see \`raytls manifest --mode signer\`.`,
    )
    .action(
      action(ctx, async (opts: { out: string; keyType: string; days: string; subject?: string; force?: boolean; json?: boolean }) => {
        const { parseKeyType } = await import("../../pki/key-types.js");
        const { createCa } = await import("../../pki/ca.js");
        const { writeFilesAtomically } = await import("../../io/secure-files.js");
        const keyType = parseKeyType(opts.keyType);
        const days = parseDays(opts.days);
        const dir = path.resolve(ctx.cwd, opts.out);
        const made = await createCa({ keyType, days, ...(opts.subject ? { subject: opts.subject } : {}) });
        const certFile = path.join(dir, "ca.crt");
        const keyFile = path.join(dir, "ca.key");
        await writeFilesAtomically(
          [
            { path: certFile, data: made.certPem, mode: 0o644 },
            { path: keyFile, data: made.keyPem, mode: 0o400 },
          ],
          { force: Boolean(opts.force) },
        );
        if (opts.json) {
          ctx.out(JSON.stringify({ ok: true, keyType, notAfter: made.notAfter.toISOString(), serial: made.serialHex, files: { cert: certFile, key: keyFile } }, null, 2) + "\n");
        } else {
          ctx.out(`Created a CA (${keyType}), valid until ${expiry(made.notAfter)}\n`);
          ctx.out(`  ${certFile}  CA certificate: every pod gets it as RAY_TLS_CA_CERT\n`);
          ctx.out(`  ${keyFile}  CA private key (mode 0400): signs pod certificates; keep it out of Ray containers\n`);
          const { raytlsInvocation } = await import("../invocation.js");
          const raytls = raytlsInvocation(ctx.env);
          ctx.out(`Next: ${raytls} inspect ${certFile}   then   ${raytls} pod-cert --role head --ca-dir ${dir} ...\n`);
        }
        return 0;
      }),
    );
}
