/**
 * Reconnect delays: exponential backoff with "equal jitter" (half the step fixed, half random), so
 * nodes that lost the same server do not come back in lockstep, and no delay is ever near zero.
 */
import { backoffDelay as sharedBackoff } from '../lib/backoff.js'

export { jittered } from '../lib/backoff.js'

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
  return sharedBackoff(failures, opts.initialMs ?? 250, opts.maxMs ?? 30_000, random)
}
