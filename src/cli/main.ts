/**
 * The `raytls` command line. Each verb lives in `commands/<verb>.ts` and registers itself here;
 * heavy modules are imported inside the verb's action so `raytls --help` and small verbs start fast.
 */
import { Command, CommanderError } from "commander";
import { processContext, reportError, type CliContext } from "./context.js";
import { commandPath } from "./options.js";
import { raytlsInvocation } from "./invocation.js";
import { RaytlsError } from "../errors.js";
import { registerCa } from "./commands/ca.js";
import { registerInspect } from "./commands/inspect.js";
import { registerPodCert } from "./commands/pod-cert.js";
import { registerCsr } from "./commands/csr.js";
import { registerVerify } from "./commands/verify.js";
import { registerEnv } from "./commands/env.js";
import { registerBench } from "./commands/bench.js";
import { registerManifest } from "./commands/manifest.js";
import { registerLint } from "./commands/lint.js";
import { registerHealthCheck } from "./commands/health-check.js";
import { registerNode } from "./commands/node.js";
import { registerLab } from "./commands/lab.js";
import { registerDemo } from "./commands/demo.js";
import { registerSigner } from "./commands/signer.js";

/** One entry per verb module, keyed by its top-level command; each adds its command(s) to the program. */
const registrations: Record<string, (program: Command, ctx: CliContext) => void> = {
  ca: registerCa,
  inspect: registerInspect,
  "pod-cert": registerPodCert,
  csr: registerCsr,
  verify: registerVerify,
  env: registerEnv,
  "health-check": registerHealthCheck,
  node: registerNode,
  lab: registerLab,
  demo: registerDemo,
  manifest: registerManifest,
  lint: registerLint,
  signer: registerSigner,
  bench: registerBench,
};

/**
 * The program with every verb, or with only `verb` when it names one: running a verb then skips
 * building the other thirteen (part of health-check's cold-start budget). `--help`, `--version`
 * and unknown verbs (commander's "did you mean") get them all.
 */
export function buildProgram(ctx: CliContext, verb?: string): Command {
  const program = new Command("raytls")
    .description("Mutual TLS for Ray clusters: CA, per-pod certificates, diagnosis that agrees with gRPC C-core.")
    .version("0.1.0")
    .exitOverride()
    .configureOutput(outputFor(ctx));
  const only = verb !== undefined && Object.hasOwn(registrations, verb) ? registrations[verb]! : undefined;
  if (only) only(program, ctx);
  else for (const register of Object.values(registrations)) register(program, ctx);
  program.addHelpText(
    "after",
    `
Examples (the seed procedure, step by step):
  raytls ca create --out ./ca                                   # Step 1-1
  raytls inspect ./ca/ca.crt                                    # Step 1-2
  POD_IP=10.0.0.5 raytls pod-cert --role worker --ca-dir ./ca --out ./tls   # Step 2
  raytls verify --ca-cert ./ca/ca.crt --cert ./tls/tls.crt --host 10.0.0.5  # Step 4, offline
`,
  );
  return program;
}

/** Runs the CLI; returns the exit code. Never calls process.exit. */
export async function main(argv: string[], ctx: CliContext = processContext()): Promise<number> {
  const program = buildProgram(ctx, argv[0]);
  // commander's exitOverride applies per command; propagate it to subcommands.
  const override = (cmd: Command): void => {
    cmd.exitOverride();
    cmd.configureOutput(outputFor(ctx));
    cmd.commands.forEach(override);
  };
  override(program);
  try {
    await program.parseAsync(argv, { from: "user" });
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version are exit 0; every parse error is bad usage: exit 2.
      if (err.exitCode === 0) return 0;
      return reportError(ctx, usageError(program, argv, err, raytlsInvocation(ctx.env)));
    }
    return reportError(ctx, err);
  }
}

/** Help and version to stdout; commander's own error lines are replaced by raytls's (usageError). */
function outputFor(ctx: CliContext) {
  return { writeOut: (s: string) => ctx.out(s), writeErr: (s: string) => ctx.err(s), outputError: () => undefined };
}

/** The command `argv` runs (the deepest one its leading words name). */
function leafCommand(program: Command, argv: string[]): Command {
  let cmd = program;
  for (const word of argv) {
    const next = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!next) break;
    cmd = next;
  }
  return cmd;
}

/**
 * A commander parse error in raytls's form: `ERROR: what` and a hint. An unknown option is named
 * even when commander first stops at a missing required one (`ca create --output x` is about
 * `--output`, not about `--out`), with commander's "did you mean" suggestion.
 */
function usageError(program: Command, argv: string[], err: CommanderError, raytls: string): RaytlsError {
  const cmd = leafCommand(program, argv);
  if (err.code === "commander.missingMandatoryOptionValue") {
    const known = new Set([...program.options, ...cmd.options].flatMap((o) => [o.long, o.short]));
    const unknown = argv.find((a) => /^--[^-]/.test(a) && !known.has(a.split("=")[0]!) && a !== "--help");
    if (unknown) {
      try {
        // commander builds the message and its suggestion; it is not in its typings.
        (cmd as unknown as { unknownOption(flag: string): never }).unknownOption(unknown.split("=")[0]!);
      } catch (e) {
        if (e instanceof CommanderError) err = e;
      }
    }
  }
  const [first = "", ...rest] = err.message.replace(/^error:\s*/, "").split("\n");
  const suggestion = rest.join(" ").match(/\(Did you mean (.+)\?\)/)?.[1];
  const where = cmd === program ? `${raytls} --help` : `${raytls} ${commandPath(cmd)} --help`;
  return new RaytlsError("bad-usage", first, { hint: `${suggestion ? `did you mean ${suggestion}? Run` : "run"} \`${where}\` for usage and examples` });
}
