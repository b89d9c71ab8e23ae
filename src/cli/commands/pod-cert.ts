/** `raytls pod-cert` (seed Step 2): the init container's job. */
import path from "node:path";
import type { Command } from "commander";
import { caSourceOptions, daysOption, forceOption, jsonOption, keyTypeOption } from "../common-options.js";
import { action, type CliContext } from "../context.js";
import { collect, parseDays } from "../options.js";
import type { KeyType } from "../../pki/key-types.js";
import type { Role } from "../../pki/pod-identity.js";
import type { San } from "../../pki/san.js";

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
  renew?: boolean;
  json?: boolean;
  signer?: string;
  tokenFile?: string;
  retrySeconds: string;
  sourceIp?: string;
}

/** Where the seed's init container mounts the CA Secret: --ca-dir's default. */
const DEFAULT_CA_DIR = "/etc/ca/tls";

/** The SAN flags shared with `csr create`. */
export function addIdentityOptions(cmd: Command): Command {
  return cmd
    .requiredOption("--role <role>", "head | worker")
    .option("--pod-ip <ip>", "this pod's IP (default: $POD_IP)")
    .option("--head-fqdn <name>", "head Service FQDN, head only (default: $FQ_RAY_IP)")
    .option("--dns <name>", "extra DNS SAN, repeatable (the seed's DNS.3 = $RAY_IP tip: --dns <short name>)", collect, [])
    .option("--ip <ip>", "extra IP SAN, repeatable", collect, [])
    .addOption(keyTypeOption());
}

export function registerPodCert(program: Command, ctx: CliContext): void {
  const cmd = program.command("pod-cert").description("make this pod's key and CA-signed certificate (the init container's job)");
  caSourceOptions(addIdentityOptions(cmd), DEFAULT_CA_DIR)
    .option("--signer <url>", "get the certificate from a raytls signer (https://HOST:8443) instead of a local CA key")
    .option("--token-file <file>", "with --signer: file holding this role's bearer token")
    .option("--retry-seconds <n>", "with --signer: keep retrying connection failures, 5xx and 429 this long", "120")
    .option("--source-ip <ip>", "with --signer, lab/testing: bind the source address, as a pod's own IP would be (default: none)")
    .option("--out <dir>", "where tls.key, tls.crt and ca.crt go", "/etc/ray/tls")
    .addOption(daysOption("365", "validity in days (local CA only; with --signer the signer decides)"))
    .option("--renew", "re-issue when the certificate in --out no longer fits this pod (init containers pass it); a fitting one is kept")
    .addOption(forceOption("replace the files in --out even when they still fit"))
    .addOption(jsonOption())
    .addHelpText(
      "after",
      `
SANs follow the seed: head = DNS localhost, DNS <head FQDN>, IP 127.0.0.1, IP <pod IP>;
worker = DNS localhost, IP 127.0.0.1, IP <pod IP>; plus --dns/--ip extras.

Run twice into the same --out (an init container restarting over its emptyDir), pod-cert keeps a
certificate that still fits this pod (same role, SANs and CA, key matches, more than a third of its
lifetime left) and says "Kept"; one that does not fit is replaced with --renew (or --force),
otherwise pod-cert refuses and says why. The pod key is ECDSA P-256 unless --key-type says
otherwise, whatever the CA's key (a note says so when they differ; both work with Ray).

Examples:
  # in a head pod's init container (POD_IP from status.podIP, FQ_RAY_IP injected by KubeRay)
  raytls pod-cert --role head
  # by hand
  raytls pod-cert --role worker --pod-ip 10.244.0.7 --ca-dir ./ca --out ./worker-tls
  raytls pod-cert --role head --pod-ip 10.244.0.5 --head-fqdn raycluster-tls-head-svc.default.svc.cluster.local \\
      --dns raycluster-tls-head-svc --ca-dir ./ca --out ./head-tls
  # no CA key in the pod: the key is made here, the signer signs (--ca-cert is then the trust anchor)
  raytls pod-cert --role worker --signer https://raytls-signer.default.svc.cluster.local:8443 \\
      --token-file /etc/raytls/token/token --ca-cert /etc/raytls/ca/ca.crt`,
    )
    .action(
      action(ctx, async (opts: PodCertFlags, command: Command) => {
        // One round of module loading, not five in a row (pod-cert's process time is a measured target).
        const [{ parseKeyType }, { parseRole, podSans }, { issuePodCert }, { writeFilesAtomically }, { loadCaFromFlags }, out] = await Promise.all([
          import("../../pki/key-types.js"),
          import("../../pki/pod-identity.js"),
          import("../../pki/issue.js"),
          import("../../io/secure-files.js"),
          import("../ca-source.js"),
          import("../pod-cert-output.js"),
          import("../../io/ca-dir.js"), // what loadCaFromFlags imports next: fetched in the same round
        ]);
        const role = parseRole(opts.role);
        const keyType = parseKeyType(opts.keyType);
        const days = parseDays(opts.days);
        const podIp = opts.podIp ?? ctx.env.POD_IP ?? "";
        const headFqdn = opts.headFqdn ?? ctx.env.FQ_RAY_IP;
        // Validate the identity before touching the CA, so the message names the real problem.
        const sans = podSans({ role, podIp, ...(headFqdn ? { headFqdn } : {}), dns: opts.dns, ips: opts.ip });
        if (opts.signer !== undefined) {
          if (command.getOptionValueSource("days") === "cli") {
            const { RaytlsError } = await import("../../errors.js");
            throw new RaytlsError("signer-flags", "--days does not go with --signer: the signer decides how long its certificates last", {
              hint: "leave out --days, or set it where the signer runs (raytls signer serve --days N)",
            });
          }
          return podCertFromSigner(ctx, opts, { role, podIp, keyType, sans, ...(headFqdn ? { headFqdn } : {}) }, command.getOptionValueSource("keyType") === "cli");
        }
        if (opts.tokenFile !== undefined || opts.sourceIp !== undefined) {
          const { RaytlsError } = await import("../../errors.js");
          const flag = opts.tokenFile !== undefined ? "--token-file" : "--source-ip";
          throw new RaytlsError("signer-flags", `${flag} goes with --signer`, { hint: `pass --signer URL too, or leave out ${flag} to sign with a local CA` });
        }
        const ca = await loadCaFromFlags(opts, ctx.cwd, DEFAULT_CA_DIR);
        const files = out.podTlsFiles(path.resolve(ctx.cwd, opts.out));
        const decision = out.decideOutput({ files, caCertPem: ca.certPem, role, sans, keyType, force: Boolean(opts.force), renew: Boolean(opts.renew) });
        const note = keyTypeNote(keyType, await caKeyType(ca.cert), command.getOptionValueSource("keyType") === "cli");
        if (decision.action === "keep") {
          out.renderPodCert(ctx, Boolean(opts.json), { ...out.keptResult(role, keyType, files, decision.verdict), ...(note ? { note } : {}) });
          return 0;
        }
        const made = issuePodCert({ ca, role, podIp, ...(headFqdn ? { headFqdn } : {}), dns: opts.dns, ips: opts.ip, keyType, days });
        await writeFilesAtomically(
          [
            { path: files.key, data: made.keyPem, mode: 0o600 },
            { path: files.cert, data: made.certPem, mode: 0o644 },
            { path: files.ca, data: ca.certPem, mode: 0o644 },
          ],
          { force: decision.replacing !== undefined },
        );
        const { sanStrings } = await import("../../pki/san.js");
        if (made.clampedToCa) ctx.err(`note: --days ${days} would outlast the CA; the certificate ends with the CA on ${made.clampedToCa.caNotAfter.toISOString()}\n`);
        out.renderPodCert(ctx, Boolean(opts.json), {
          action: "issued", role, keyType, sans: sanStrings(made.sans), serial: made.serialHex, notAfter: made.notAfter, files,
          ...(decision.replacing ? { replaced: decision.replacing } : {}), ...(note ? { note } : {}),
        });
        return 0;
      }),
    );
}

/**
 * `pod-cert --signer`: the key is made here and never leaves this process; only the CSR goes to
 * the signer, which decides the names (this pod's TCP address as the IP SAN). Nothing is written
 * unless a certificate for this key, signed by --ca-cert, came back.
 */
async function podCertFromSigner(ctx: CliContext, opts: PodCertFlags, id: { role: Role; podIp: string; headFqdn?: string; keyType: KeyType; sans: San[] }, keyTypeGiven: boolean): Promise<number> {
  const { RaytlsError } = await import("../../errors.js");
  const { readInputFile, writeFilesAtomically } = await import("../../io/secure-files.js");
  const out = await import("../pod-cert-output.js");
  const { readCertificatePem } = await import("../../pki/certificate-reader.js");
  const { fetchPodCertificate, parseSignerUrl } = await import("../../signer/client.js");
  const misplaced = [opts.caDir !== undefined && "--ca-dir", opts.caKey !== undefined && "--ca-key"].filter(Boolean);
  if (misplaced.length) {
    throw new RaytlsError("signer-flags", `--signer cannot be combined with ${misplaced.join(" or ")}: with a signer, no CA key is in the pod`, {
      hint: "drop the CA key flags; pass --ca-cert F (the CA certificate that trusts the signer) and --token-file F",
    });
  }
  parseSignerUrl(opts.signer!);
  let sourceIp: string | undefined;
  if (opts.sourceIp !== undefined) {
    const { checkIp } = await import("../../pki/names.js");
    sourceIp = checkIp(opts.sourceIp, "--source-ip");
  }
  if (!opts.tokenFile) throw new RaytlsError("signer-flags", "--signer needs --token-file", { hint: "pass the file holding this role's signer token, e.g. --token-file /etc/raytls/token/token" });
  if (!opts.caCert) throw new RaytlsError("signer-flags", "--signer needs --ca-cert", { hint: "pass the CA certificate (ca.crt) that issued the signer's certificate" });
  if (!/^\d{1,5}$/.test(opts.retrySeconds) || Number(opts.retrySeconds) > 86_400) {
    throw new RaytlsError("bad-retry-seconds", `--retry-seconds: "${opts.retrySeconds}" is not a whole number of seconds up to 86400`, { hint: "e.g. --retry-seconds 120" });
  }
  const token = (await readInputFile(path.resolve(ctx.cwd, opts.tokenFile), "--token-file")).trim();
  if (!token || /\s/.test(token)) {
    throw new RaytlsError("bad-token-file", `--token-file: ${opts.tokenFile} ${token ? "holds more than one word" : "is empty"}`, { hint: "the file must hold just the token (raytls manifest --mode signer makes them)" });
  }
  const caFile = path.resolve(ctx.cwd, opts.caCert);
  const caCertPem = await readInputFile(caFile, "--ca-cert");
  const caFacts = readCertificatePem(caCertPem, caFile);
  if (!caFacts.basicConstraints?.ca) throw new RaytlsError("not-a-ca", `${caFile}: this certificate is not a CA`, { hint: "pass the CA certificate (ca.crt), not a pod certificate" });
  const files = out.podTlsFiles(path.resolve(ctx.cwd, opts.out));
  // Decided before asking the signer: a pod whose certificate still fits never calls it again.
  const decision = out.decideOutput({ files, caCertPem, role: id.role, sans: id.sans, keyType: id.keyType, force: Boolean(opts.force), renew: Boolean(opts.renew) });
  const note = keyTypeNote(id.keyType, await caKeyType(caFacts), keyTypeGiven);
  if (decision.action === "keep") {
    out.renderPodCert(ctx, Boolean(opts.json), { ...out.keptResult(id.role, id.keyType, files, decision.verdict), ...(note ? { note } : {}) });
    return 0;
  }
  const res = await fetchPodCertificate({
    url: opts.signer!,
    token,
    caCertPem,
    role: id.role,
    podIp: id.podIp,
    ...(id.headFqdn ? { headFqdn: id.headFqdn } : {}),
    dns: opts.dns,
    ips: opts.ip,
    keyType: id.keyType,
    retrySeconds: Number(opts.retrySeconds),
    ...(sourceIp ? { localAddress: sourceIp } : {}),
    onRetry: ({ attempt, delayMs, why }) => ctx.err(`waiting for the signer (${why}); attempt ${attempt + 1} in ${(delayMs / 1000).toFixed(1)} s\n`),
  });
  await writeFilesAtomically(
    [
      { path: files.key, data: res.keyPem, mode: 0o600 },
      { path: files.cert, data: res.certPem, mode: 0o644 },
      { path: files.ca, data: caCertPem, mode: 0o644 },
    ],
    { force: decision.replacing !== undefined },
  );
  out.renderPodCert(ctx, Boolean(opts.json), {
    action: "issued", role: id.role, keyType: id.keyType, sans: res.sans, serial: res.serial, notAfter: new Date(res.notAfter), files,
    signer: { url: opts.signer!, attempts: res.attempts }, ...(decision.replacing ? { replaced: decision.replacing } : {}), ...(note ? { note } : {}),
  });
  return 0;
}

/** Said when the pod key's type differs from the CA's and nobody chose it (issue 11). */
function keyTypeNote(keyType: KeyType, caType: KeyType | undefined, chosen: boolean): string | undefined {
  if (chosen || !caType || caType === keyType) return undefined;
  return `the pod key is ${keyType} while the CA's key is ${caType}; Ray accepts the mix; pass --key-type ${caType} to match the CA`;
}

/** The CA's key type, for the note on pod key types (undefined when node:crypto cannot load it). */
async function caKeyType(cert: import("../../pki/certificate.js").Certificate): Promise<import("../../pki/key-types.js").KeyType | undefined> {
  const [{ publicKeyOf }, { keyTypeOf }] = await Promise.all([import("../../pki/signature.js"), import("../../pki/pod-cert-reuse.js")]);
  const key = publicKeyOf(cert);
  return key ? keyTypeOf(key) : undefined;
}
