/**
 * Waiting in tests: on the readiness signal itself where there is one (an event, a log line, a
 * callback), and where there is none, polling a condition until a deadline, never a fixed sleep
 * whose length is a guess about the machine's speed.
 */

/**
 * Resolves with `probe()`'s first truthy value, polling every `intervalMs`; rejects after
 * `timeoutMs` naming `what` (and the last probe's error, if it threw).
 */
export async function waitFor<T>(what: string, probe: () => T | Promise<T>, o: { timeoutMs?: number; intervalMs?: number } = {}): Promise<NonNullable<T>> {
  const until = Date.now() + (o.timeoutMs ?? 10_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v as NonNullable<T>;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out after ${o.timeoutMs ?? 10_000} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 25));
  }
}

/** A child process whose output is being collected. */
export interface OutputSource {
  stdout: NodeJS.ReadableStream | null;
  stderr: NodeJS.ReadableStream | null;
  exitCode: number | null;
  signalCode: NodeJS.Signals | null;
  once(event: "exit", listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  off(event: "exit", listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
}

/**
 * Resolves with the match once the child's stdout or stderr matches `pattern`, the readiness line
 * a server prints; rejects, with what it printed, if it exits first or after `timeoutMs`. `seen`:
 * what the child printed before this call (output is otherwise watched from now on).
 */
export function waitForOutput(child: OutputSource, pattern: RegExp, o: { timeoutMs?: number; what?: string; seen?: string } = {}): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = o.seen ?? "";
    const what = o.what ?? String(pattern);
    const done = (err: Error | undefined, m?: RegExpExecArray) => {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.stderr?.off("data", onData);
      child.off("exit", onExit);
      if (err) reject(err);
      else resolve(m!);
    };
    const onData = (d: Buffer | string) => {
      text += d.toString();
      const m = pattern.exec(text);
      if (m) done(undefined, m);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => done(new Error(`exited (${signal ?? code}) before ${what}: ${text}`));
    const timer = setTimeout(() => done(new Error(`no ${what} within ${o.timeoutMs ?? 15_000} ms: ${text}`)), o.timeoutMs ?? 15_000);
    const early = pattern.exec(text);
    if (early) return done(undefined, early);
    if (child.exitCode !== null || child.signalCode !== null) return onExit(child.exitCode, child.signalCode);
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", onExit);
  });
}
