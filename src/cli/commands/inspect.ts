/** `raytls inspect FILE...` (seed Step 1-2: `openssl x509 -noout -text`, made readable). */
import path from "node:path";
import type { Command } from "commander";
import type { Inspected } from "../../pki/inspect.js";
import { jsonOption } from "../common-options.js";
import { action, type CliContext } from "../context.js";

export function registerInspect(program: Command, ctx: CliContext): void {
  program
    .command("inspect")
    .description("show what a certificate, CSR or private key holds")
    .argument("<files...>", "PEM files (certificates, CSRs, keys; bundles are fine)")
    .addOption(jsonOption())
    .addHelpText(
      "after",
      `
Examples:
  raytls inspect ca/ca.crt
  raytls inspect /etc/ray/tls/tls.crt /etc/ray/tls/tls.key --json`,
    )
    .action(
      action(ctx, async (files: string[], opts: { json?: boolean }) => {
        const { inspectText } = await import("../../pki/inspect.js");
        const { promises: fsp } = await import("node:fs");
        const { RaytlsError } = await import("../../errors.js");
        const all: Inspected[] = [];
        for (const file of files) {
          let bytes: Buffer;
          try {
            bytes = await fsp.readFile(path.resolve(ctx.cwd, file));
          } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            // The errno words, not Node's "Error: EISDIR: illegal operation on a directory" (issue 11).
            const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : code === "EACCES" ? "permission denied" : (err as Error).message;
            throw new RaytlsError("input-file", `cannot read ${file}: ${why}`, {
              hint: code === "EISDIR" ? `pass a file in it, e.g. ${path.join(file, "ca.crt")}` : code === "EACCES" ? `check the permissions of ${file}` : "check the path",
              cause: err,
            });
          }
          const isPem = bytes.includes("-----BEGIN ");
          all.push(...(await inspectText(isPem ? bytes.toString("utf8") : new Uint8Array(bytes), file)));
        }
        if (opts.json) ctx.out(JSON.stringify(all, null, 2) + "\n");
        else ctx.out(all.map(renderInspected).join("\n"));
        return 0;
      }),
    );
}

export function renderInspected(i: Inspected): string {
  const lines: string[] = [];
  const row = (k: string, v: string): void => void lines.push(`  ${k.padEnd(20)}${v}`);
  const where = `${i.file}${i.line ? `:${i.line}` : ""}`;
  if (i.kind === "certificate") {
    const role = i.basicConstraints?.ca ? "CA certificate" : "certificate";
    lines.push(`${where}: ${role}`);
    row("Subject", i.subject);
    row("Issuer", i.selfSigned ? `${i.issuer} (self-signed)` : i.issuer);
    row("Serial", i.serial);
    row("Valid", `${i.notBefore} to ${i.notAfter} (${i.daysLeft >= 0 ? `${i.daysLeft} days left` : `EXPIRED ${-i.daysLeft} days ago`})`);
    row("Key", `${i.key}, signed ${i.signatureAlgorithm}`);
    row("SANs", i.sans.length ? i.sans.join(", ") : "(none: gRPC can match only the CN, and never an IP)");
    row("Key usage", i.keyUsage ? i.keyUsage.join(", ") : "(absent)");
    row("Extended key usage", i.extKeyUsage ? i.extKeyUsage.join(", ") : "(absent: any purpose)");
    row("Basic constraints", i.basicConstraints ? `CA:${i.basicConstraints.ca ? "TRUE" : "FALSE"}${i.basicConstraints.pathLength !== undefined ? `, pathlen ${i.basicConstraints.pathLength}` : ""}${i.basicConstraints.critical ? " (critical)" : ""}` : "(absent)");
    row("Subject key id", i.subjectKeyId ?? "(absent)");
    row("Authority key id", i.authorityKeyId ?? "(absent)");
    row("SHA-256", i.sha256Fingerprint);
    if (!i.basicConstraints?.ca && i.extKeyUsage && !(i.extKeyUsage.includes("serverAuth") && i.extKeyUsage.includes("clientAuth"))) {
      lines.push("  note: Ray presents one certificate as server and client; it needs both serverAuth and clientAuth");
    }
  } else if (i.kind === "csr") {
    lines.push(`${where}: certificate request (signature verified)`);
    row("Subject", i.subject);
    row("Key", i.key);
    row("Requested SANs", i.sans.join(", "));
    if (i.ignoredBySigning.length) row("Ignored by signing", i.ignoredBySigning.join(", "));
  } else {
    lines.push(`${where}: private key (${i.format}, unencrypted)`);
    row("Key", i.key);
    row("Public key SHA-256", i.publicKeySha256);
  }
  return lines.join("\n") + "\n";
}
