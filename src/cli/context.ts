/**
 * What every CLI verb gets: where to write, the environment, and the exit code it sets.
 * Tests run `main()` in-process with their own context, so nothing here touches `process` directly
 * except the defaults.
 */
import { describeCause, RaytlsError } from "../errors.js";
import { inCliTerms } from "./field-flags.js";

export interface CliContext {
  /** Data (text or JSON): stdout. */
  out(text: string): void;
  /** Diagnostics: stderr. */
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Set by a verb: 0 ok, 1 a check failed, 2 bad usage or input. */
  exitCode: number;
  /** Colour only on a TTY and never with NO_COLOR (STYLE.md rule 7). */
  color: boolean;
}

export function processContext(): CliContext {
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
    exitCode: 0,
    color: Boolean(process.stderr.isTTY) && !process.env.NO_COLOR,
  };
}

/**
 * Renders any error the mkcert way: `ERROR: <what failed>` then the fix; a stack only with
 * RAYTLS_DEBUG=1. A library option path at the start (`dns[1]:`) becomes the flag (`--dns:`).
 */
export function reportError(ctx: CliContext, err: unknown, json = false): number {
  const debug = ctx.env.RAYTLS_DEBUG === "1";
  if (err instanceof RaytlsError) err = inCliTerms(err);
  if (err instanceof RaytlsError) {
    if (json) ctx.out(JSON.stringify({ ok: false, error: err.toJSON() }, null, 2) + "\n");
    ctx.err(`ERROR: ${err.message}\n`);
    if (err.hint) ctx.err(`  hint: ${err.hint}\n`);
    if (debug && err.stack) ctx.err(err.stack + "\n");
    return err.exitCode;
  }
  const message = describeCause(err);
  const stack = err instanceof Error ? err.stack : undefined;
  if (json) ctx.out(JSON.stringify({ ok: false, error: { code: "internal", message } }, null, 2) + "\n");
  ctx.err(`ERROR: ${message}\n`);
  if (debug && stack) ctx.err(stack + "\n");
  else ctx.err("  hint: this is a bug in raytls; run again with RAYTLS_DEBUG=1 and report the stack trace.\n");
  return 1;
}

/**
 * Wraps a verb's action: runs it, turns thrown errors into the exit code and message.
 * The action returns its own exit code (0 or 1).
 */
export function action<A extends unknown[]>(
  ctx: CliContext,
  fn: (...args: A) => Promise<number | void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const last = args[args.length - 2] as { json?: boolean } | undefined;
    try {
      const code = await fn(...args);
      ctx.exitCode = code ?? 0;
    } catch (err) {
      ctx.exitCode = reportError(ctx, err, Boolean(last && typeof last === "object" && last.json));
    }
  };
}
