/**
 * Token buckets keyed by peer: `rate` tokens per second up to `burst`. Buckets idle long
 * enough to be full again are dropped, so memory stays bounded by the active peers.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>()
  readonly #rate: number
  readonly #burst: number
  readonly #now: () => number

  constructor(rate: number, burst: number, now: () => number = Date.now) {
    this.#rate = rate
    this.#burst = burst
    this.#now = now
  }

  /** Takes one token for `key`; false when the bucket is empty. */
  take(key: string): boolean {
    const now = this.#now()
    const bucket = this.#buckets.get(key) ?? { tokens: this.#burst, at: now }
    bucket.tokens = Math.min(this.#burst, bucket.tokens + ((now - bucket.at) / 1000) * this.#rate)
    bucket.at = now
    if (this.#buckets.size > 10_000) this.#sweep(now)
    this.#buckets.set(key, bucket)
    if (bucket.tokens < 1) return false
    bucket.tokens -= 1
    return true
  }

  #sweep(now: number): void {
    const fullAfterMs = (this.#burst / this.#rate) * 1000
    for (const [k, b] of this.#buckets) if (now - b.at > fullAfterMs) this.#buckets.delete(k)
  }
}
