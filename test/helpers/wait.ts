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
