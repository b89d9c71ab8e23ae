/**
 * Per-token issuance rate limit (issue 13): one token bucket per role token. A bucket holds up to
 * `burst` certificates and refills at `perSecond`; an empty bucket answers 429 with Retry-After.
 *
 * The defaults are sized so that a real cluster start never meets them: 1,000 workers asking at
 * once take 1,000 of the 2,000 (the signer signs about 600/s on two CPUs, so the burst is spent by
 * signing speed long before the bucket), and 10/s afterwards is 36,000 restarts an hour. What the
 * bucket stops is a leaked token minting certificates, and filling the audit log, without end.
 */
export interface RateLimitOptions {
  /** Certificates a token may get at once. Default is 2000. */
  burst?: number;
  /** Refill, in certificates per second. Default is 10. */
  perSecond?: number;
  /** Milliseconds on a monotonic clock. Default is performance.now. */
  clock?: () => number;
}

export const DEFAULT_TOKEN_BURST = 2000;
export const DEFAULT_TOKEN_RATE = 10;

export class TokenBuckets<K extends string> {
  private readonly burst: number;
  private readonly perMs: number;
  private readonly clock: () => number;
  private readonly buckets = new Map<K, { tokens: number; at: number }>();

  constructor(o: RateLimitOptions = {}) {
    this.burst = o.burst ?? DEFAULT_TOKEN_BURST;
    this.perMs = (o.perSecond ?? DEFAULT_TOKEN_RATE) / 1000;
    this.clock = o.clock ?? (() => performance.now());
  }

  private refill(key: K): { tokens: number; at: number } {
    const now = this.clock();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + (now - b.at) * this.perMs);
    b.at = now;
    this.buckets.set(key, b);
    return b;
  }

  /**
   * 0 when `key` may have one more now, else the whole seconds until it may (Retry-After, at
   * least 1; RFC 9110 section 10.2.3 counts in whole seconds).
   */
  retryAfter(key: K): number {
    const b = this.refill(key);
    if (b.tokens >= 1) return 0;
    if (this.perMs <= 0) return 3600;
    return Math.max(1, Math.ceil((1 - b.tokens) / this.perMs / 1000));
  }

  /** Takes one if there is one; the Retry-After seconds otherwise (0 means taken). */
  take(key: K): number {
    const wait = this.retryAfter(key);
    if (wait === 0) this.buckets.get(key)!.tokens -= 1;
    return wait;
  }
}
