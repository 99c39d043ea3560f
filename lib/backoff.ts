/**
 * Retry delays: exponential backoff with "equal jitter" (half the step fixed, half random), so
 * peers that lost the same server do not come back in lockstep, and no delay is ever near zero.
 * Shared by every reconnect loop (registry client, neighbours, message links, consensus peer
 * links, the XMPP component connection).
 */

/** Delay before attempt `attempt + 1`, in [step/2, step] where step = min(maxMs, baseMs * 2^attempt). */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const step = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30))
  return jittered(step, random)
}

/** A fixed period with the same jitter, for slow retries such as waiting out a `conflict`. */
export function jittered(periodMs: number, random: () => number = Math.random): number {
  return Math.round(periodMs / 2 + (random() * periodMs) / 2)
}
