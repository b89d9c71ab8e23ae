/**
 * The one error type of raytls (STYLE.md rule 5): a stable `code`, a message that says what failed
 * and where, a `hint` that says how to fix it, and the underlying `cause`.
 *
 * `kind` decides the exit code the CLI gives: "input" (bad usage or bad input, exit 2), "check"
 * (something was judged and failed, exit 1) or "interrupted" (stopped by a signal after cleaning
 * up: 128 + the signal number, as shells report it, 130 for Ctrl-C). The library never prints and
 * never exits.
 */
export type ErrorKind = "input" | "check" | "interrupted";

const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15 } as const;
export type StopSignal = keyof typeof SIGNAL_NUMBERS;

/** The exit code of a command that stopped itself on `signal` (130 for SIGINT, 143 for SIGTERM). */
export function signalExitCode(signal: StopSignal): number {
  return 128 + SIGNAL_NUMBERS[signal];
}

export interface RaytlsErrorOptions {
  /** How to fix it, in one sentence. */
  hint?: string;
  /** The lower-level error that led here. */
  cause?: unknown;
  /** Default is "input" (exit code 2). */
  kind?: ErrorKind;
  /** With kind "interrupted": the signal that stopped the command. Default SIGINT. */
  signal?: StopSignal;
  /**
   * The input at fault, as the caller named it: a library option path (`dns[1]`, `ips[0]`, `days`)
   * or a CLI flag. The message starts with it; the CLI swaps option paths for its flags
   * (src/cli/field-flags.ts), as grpc-js names `keyCertPair[0].private_key`.
   */
  field?: string;
}

export class RaytlsError extends Error {
  override readonly name = "RaytlsError";
  readonly code: string;
  readonly hint: string | undefined;
  readonly kind: ErrorKind;
  readonly signal: StopSignal | undefined;
  readonly field: string | undefined;

  constructor(code: string, message: string, options: RaytlsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.kind = options.kind ?? "input";
    this.signal = options.signal;
    this.field = options.field;
  }

  /** The exit code the CLI uses for this error: 2 for bad input, 1 for a failed check, 128 + n after signal n. */
  get exitCode(): number {
    if (this.kind === "interrupted") return signalExitCode(this.signal ?? "SIGINT");
    return this.kind === "input" ? 2 : 1;
  }

  toJSON(): { code: string; message: string; hint?: string; field?: string } {
    return { code: this.code, message: this.message, ...(this.hint ? { hint: this.hint } : {}), ...(this.field ? { field: this.field } : {}) };
  }
}

/** A short description of any thrown value, for wrapping causes into messages. */
export function describeCause(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
