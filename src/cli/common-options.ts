/**
 * Options several verbs declare: one spelling, one wording and one default each, in one place
 * (issue 11: one meaning per flag name; issue 12: no option declared again in every verb).
 * A single option is an `Option` for `cmd.addOption(...)`, so it keeps its place in the chain and
 * in `--help`; a group of options is a function that adds them to `cmd` and returns it.
 * The verbs' own parsers (`parseDays`, `parseKeyType`, `loadCaFromFlags`) read what these declare.
 */
import { Option, type Command } from "commander";
// key-types.ts imports only errors.ts: cheap enough for every verb's start-up.
import { DEFAULT_KEY_TYPE, KEY_TYPES } from "../pki/key-types.js";

const KEY_TYPE_CHOICES = KEY_TYPES.join(" | ");

/** `--json`: the result as JSON on stdout. */
export function jsonOption(description = "print the result as JSON"): Option {
  return new Option("--json", description);
}

/** `--force`: replace files that exist (never done without it: STYLE.md rule 8). */
export function forceOption(description = "overwrite existing files"): Option {
  return new Option("--force", description);
}

/** `--days <n>`: validity of a certificate this verb makes. */
export function daysOption(defaultDays: string, description = "validity in days"): Option {
  return new Option("--days <n>", description).default(defaultDays);
}

/**
 * `--key-type <type>`, default ecdsa-p256. With `optional`, the option stays undefined when not
 * given (manifest tells a given-but-unused --key-type apart), and the description names the default.
 */
export function keyTypeOption(o: { label?: string; optional?: boolean } = {}): Option {
  const text = `${o.label ? `${o.label}: ` : ""}${KEY_TYPE_CHOICES}`;
  if (o.optional) return new Option("--key-type <type>", `${text} (default: ${DEFAULT_KEY_TYPE})`);
  return new Option("--key-type <type>", text).default(DEFAULT_KEY_TYPE);
}

/**
 * `--ca-dir` or `--ca-cert` + `--ca-key`: where a signing verb finds its CA (read by
 * `loadCaFromFlags`, src/cli/ca-source.ts). `defaultDir` is what --ca-dir means when none is given.
 */
export function caSourceOptions(cmd: Command, defaultDir?: string): Command {
  return cmd
    .option("--ca-dir <dir>", `CA directory with ca.crt and ca.key${defaultDir ? ` (default: ${defaultDir})` : ""}`)
    .option("--ca-cert <file>", "CA certificate (with --ca-key, instead of --ca-dir)")
    .option("--ca-key <file>", "CA private key (with --ca-cert)");
}

/**
 * `--ca-cert`, `--cert`, `--key`: Ray's three TLS files (RAY_TLS_CA_CERT, RAY_TLS_SERVER_CERT,
 * RAY_TLS_SERVER_KEY), either presented by a client ("client": each overrides Ray's variable) or
 * judged by `verify` ("judged": --cert required).
 */
export function rayTlsFileOptions(cmd: Command, use: "client" | "judged"): Command {
  if (use === "client") {
    return cmd
      .option("--ca-cert <file>", "CA certificate (overrides RAY_TLS_CA_CERT; turns TLS on)")
      .option("--cert <file>", "client certificate (overrides RAY_TLS_SERVER_CERT)")
      .option("--key <file>", "client key (overrides RAY_TLS_SERVER_KEY)");
  }
  return cmd
    .option("--ca-cert <file>", "CA certificate(s) to trust (RAY_TLS_CA_CERT); required")
    .requiredOption("--cert <file>", "the certificate (RAY_TLS_SERVER_CERT); may hold intermediates after it")
    .option("--key <file>", "its private key (RAY_TLS_SERVER_KEY): checks they match");
}
