/**
 * The one error type of raytls (STYLE.md rule 5): a stable `code`, a message that says what failed
 * and where, a `hint` that says how to fix it, and the underlying `cause`.
 *
 * `kind` decides the exit code the CLI gives: "input" (bad usage or bad input, exit 2) or
 * "check" (something was judged and failed, exit 1). The library never prints and never exits.
 */
export type ErrorKind = "input" | "check";

export interface RaytlsErrorOptions {
  /** How to fix it, in one sentence. */
  hint?: string;
  /** The lower-level error that led here. */
  cause?: unknown;
  /** Default is "input" (exit code 2). */
  kind?: ErrorKind;
}

export class RaytlsError extends Error {
  override readonly name = "RaytlsError";
  readonly code: string;
  readonly hint: string | undefined;
  readonly kind: ErrorKind;

  constructor(code: string, message: string, options: RaytlsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.kind = options.kind ?? "input";
  }

  /** The exit code the CLI uses for this error: 2 for bad input, 1 for a failed check. */
  get exitCode(): 1 | 2 {
    return this.kind === "input" ? 2 : 1;
  }

  toJSON(): { code: string; message: string; hint?: string } {
    return { code: this.code, message: this.message, ...(this.hint ? { hint: this.hint } : {}) };
  }
}

/** A short description of any thrown value, for wrapping causes into messages. */
export function describeCause(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
