/**
 * Reconnect delays: exponential backoff with "equal jitter" (half the step fixed, half random), so
 * nodes that lost the same server do not come back in lockstep, and no delay is ever near zero.
 */

export interface BackoffOptions {
  /** The first delay's upper bound; default 250 ms. */
  initialMs?: number
  /** The cap; default 30 s. */
  maxMs?: number
}

/** Delay before attempt `failures + 1`, in [step/2, step] where step = min(maxMs, initialMs * 2^failures). */
export function backoffDelay(
  failures: number,
  opts: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const initial = opts.initialMs ?? 250
  const max = opts.maxMs ?? 30_000
  const step = Math.min(max, initial * 2 ** Math.min(failures, 30))
  return Math.round(step / 2 + (random() * step) / 2)
}

/** A fixed period with the same jitter, for slow retries such as waiting out a `conflict`. */
export function jittered(periodMs: number, random: () => number = Math.random): number {
  return Math.round(periodMs / 2 + (random() * periodMs) / 2)
}
