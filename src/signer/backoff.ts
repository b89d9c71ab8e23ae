/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"):
 * attempt n waits a uniformly random time in [0, min(cap, base * 2^n)). Full jitter spreads a
 * crowd of pods that all start at once, so they do not hit a restarting signer in waves.
 */
export interface BackoffOptions {
  /** Default is 200 ms. */
  baseMs?: number;
  /** Default is 5000 ms. */
  capMs?: number;
  /** Default is Math.random. */
  random?: () => number;
}

export function backoffDelay(attempt: number, o: BackoffOptions = {}): number {
  const base = o.baseMs ?? 200;
  const cap = o.capMs ?? 5000;
  const ceiling = Math.min(cap, base * 2 ** Math.min(attempt, 30));
  return Math.floor((o.random ?? Math.random)() * ceiling);
}
