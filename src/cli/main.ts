/**
 * The `raytls` command line. Each verb lives in `commands/<verb>.ts` and registers itself here;
 * heavy modules are imported inside the verb's action so `raytls --help` and small verbs start fast.
 */
import { Command, CommanderError } from "commander";
import { processContext, reportError, type CliContext } from "./context.js";
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
    .showHelpAfterError("(run with --help for usage and examples)")
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.out(s), writeErr: (s) => ctx.err(s) });
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
  raytls verify --ca ./ca/ca.crt --cert ./tls/tls.crt --host 10.0.0.5       # Step 4, offline
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
    cmd.configureOutput({ writeOut: (s) => ctx.out(s), writeErr: (s) => ctx.err(s) });
    cmd.commands.forEach(override);
  };
  override(program);
  try {
    await program.parseAsync(argv, { from: "user" });
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version are exit 0; every parse error is bad usage: exit 2.
      return err.exitCode === 0 ? 0 : 2;
    }
    return reportError(ctx, err);
  }
}
