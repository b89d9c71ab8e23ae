/** `raytls csr create` and `raytls csr sign`: the seed's CSR flow, for a CA kept elsewhere. */
import path from "node:path";
import type { Command } from "commander";
import { caSourceOptions, daysOption, forceOption, jsonOption } from "../common-options.js";
import { action, type CliContext } from "../context.js";
import { expiry, parseDays, renamedOption } from "../options.js";
import { addIdentityOptions } from "./pod-cert.js";

export function registerCsr(program: Command, ctx: CliContext): void {
  const csr = program.command("csr").description("certificate signing requests, for a CA kept on another machine");
  addIdentityOptions(csr.command("create").description("make a key and a CSR with the pod's SANs (the key stays here)"))
    .requiredOption("--key-out <file>", "where the private key goes (0600)")
    .requiredOption("--csr-out <file>", "where the CSR goes")
    .addOption(forceOption())
    .addOption(jsonOption())
    .addHelpText(
      "after",
      `
Examples:
  raytls csr create --role worker --pod-ip 10.244.0.7 --key-out tls.key --csr-out tls.csr
  raytls csr sign --csr tls.csr --ca-dir ./ca --cert-out tls.crt   # where the CA lives`,
    )
    .action(
      action(ctx, async (opts: { role: string; podIp?: string; headFqdn?: string; dns: string[]; ip: string[]; keyType: string; keyOut: string; csrOut: string; force?: boolean; json?: boolean }) => {
        const { parseKeyType } = await import("../../pki/key-types.js");
        const { parseRole } = await import("../../pki/pod-identity.js");
        const { createCsr } = await import("../../pki/csr.js");
        const { sanStrings } = await import("../../pki/san.js");
        const { writeFilesAtomically } = await import("../../io/secure-files.js");
        const role = parseRole(opts.role);
        const keyType = parseKeyType(opts.keyType);
        const headFqdn = opts.headFqdn ?? ctx.env.FQ_RAY_IP;
        const made = await createCsr({ role, podIp: opts.podIp ?? ctx.env.POD_IP ?? "", ...(headFqdn ? { headFqdn } : {}), dns: opts.dns, ips: opts.ip, keyType });
        const keyFile = path.resolve(ctx.cwd, opts.keyOut);
        const csrFile = path.resolve(ctx.cwd, opts.csrOut);
        await writeFilesAtomically(
          [
            { path: keyFile, data: made.keyPem, mode: 0o600 },
            { path: csrFile, data: made.csrPem, mode: 0o644 },
          ],
          { force: Boolean(opts.force) },
        );
        const sans = sanStrings(made.sans);
        if (opts.json) ctx.out(JSON.stringify({ ok: true, role, keyType, sans, files: { key: keyFile, csr: csrFile } }, null, 2) + "\n");
        else ctx.out(`Made a ${role} key and CSR for ${sans.join(", ")}\n  ${keyFile}  private key (0600)\n  ${csrFile}  CSR: send it to the CA (raytls csr sign)\n`);
        return 0;
      }),
    );

  const sign = caSourceOptions(
    csr.command("sign")
      .description("sign a CSR with the leaf profile (EKU serverAuth+clientAuth, never CA:TRUE)")
      .requiredOption("--csr <file>", "the certificate request"),
  )
    .option("--cert-out <file>", "where the certificate goes (like csr create's --key-out and --csr-out); required")
    .addOption(daysOption("365"))
    .addOption(forceOption("overwrite an existing file"))
    .addOption(jsonOption());
  // --out is a directory in every other verb; here it was a file.
  renamedOption(sign, ctx, "--out <file>", "--cert-out", { required: true })
    .addHelpText("after", "\nExample:\n  raytls csr sign --csr tls.csr --ca-dir ./ca --cert-out tls.crt --days 90")
    .action(
      action(ctx, async (opts: { csr: string; caDir?: string; caCert?: string; caKey?: string; certOut: string; days: string; force?: boolean; json?: boolean }) => {
        const { parseCsr } = await import("../../pki/csr.js");
        const { issueLeaf } = await import("../../pki/issue.js");
        const { RaytlsError } = await import("../../errors.js");
        const { formatSan, sanStrings } = await import("../../pki/san.js");
        const { readInputFile, writeFilesAtomically } = await import("../../io/secure-files.js");
        const { loadCaFromFlags } = await import("../ca-source.js");
        const days = parseDays(opts.days);
        const csrFile = path.resolve(ctx.cwd, opts.csr);
        const parsed = await parseCsr(await readInputFile(csrFile, "--csr"), csrFile);
        // SAN kinds no certificate of this profile carries are refused, never silently dropped (issue 13).
        const foreign = parsed.otherSans.filter((s) => s.type !== "uri" && s.type !== "email");
        if (foreign.length) {
          throw new RaytlsError("csr-foreign-san", `${csrFile}: the request asks for SANs raytls never issues: ${foreign.map(formatSan).join(", ")}`, { hint: "make the CSR with DNS and IP names only (raytls csr create)" });
        }
        const ca = await loadCaFromFlags(opts, ctx.cwd);
        const cert = issueLeaf({ ca, publicKey: parsed.publicKey, sans: parsed.sans, days });
        const out = path.resolve(ctx.cwd, opts.certOut);
        await writeFilesAtomically([{ path: out, data: cert.certPem, mode: 0o644 }], { force: Boolean(opts.force) });
        const sans = sanStrings(cert.sans);
        if (cert.clampedToCa) ctx.err(`note: --days ${days} would outlast the CA; the certificate ends with the CA on ${cert.clampedToCa.caNotAfter.toISOString()}\n`);
        if (parsed.ignored.length) ctx.err(`note: the CSR also asked for ${parsed.ignored.join(", ")}; signing applies the leaf profile and ignored it\n`);
        if (opts.json) ctx.out(JSON.stringify({ ok: true, sans, serial: cert.serialHex, notAfter: cert.notAfter.toISOString(), ...(cert.clampedToCa ? { clampedToCaNotAfter: true } : {}), ignored: parsed.ignored, file: out }, null, 2) + "\n");
        else ctx.out(`Signed ${csrFile} for ${sans.join(", ")}\n  ${out}  certificate, valid until ${expiry(cert.notAfter)}\n`);
        return 0;
      }),
    );
}
