interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * A token bucket per user: `perSec` actions per second on average, bursts of up to `burst`.
 * Kept in the instance's memory, so the hot path costs no Redis round trip; a user whose
 * connections sit on n instances gets at most n times the rate. Idle buckets are swept so
 * memory follows the active users. A rate of 0 turns it off.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private readonly burst: number;
  private lastSweep = Date.now();

  constructor(perSec: number, burst: number) {
    this.perMs = perSec / 1000;
    this.burst = burst;
  }

  get enabled(): boolean {
    return this.perMs > 0;
  }

  /** Takes one token for the user; false when the user is over the limit. */
  take(userId: string, now = Date.now()): boolean {
    if (!this.enabled) return true;
    this.sweep(now);
    const bucket = this.buckets.get(userId);
    if (!bucket) {
      this.buckets.set(userId, { tokens: this.burst - 1, updatedAt: now });
      return true;
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.updatedAt) * this.perMs);
    bucket.updatedAt = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Drops buckets that have refilled completely: they behave exactly like a missing one. */
  private sweep(now: number): void {
    const fullAfterMs = this.burst / this.perMs;
    if (now - this.lastSweep < Math.max(fullAfterMs, 10_000)) return;
    this.lastSweep = now;
    for (const [userId, bucket] of this.buckets)
      if (now - bucket.updatedAt >= fullAfterMs) this.buckets.delete(userId);
  }
}
