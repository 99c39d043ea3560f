/** Protocol id, frame bounds and driver defaults for /xlattice/bft/1.0.0. */
import type { Timeouts } from '../types.js'

export const BFT_PROTOCOL = '/xlattice/bft/1.0.0'

/** Largest frame a stream accepts: a block response (4 MiB) plus envelope overhead. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024 + 64 * 1024
/** Per-frame bounds on repeated fields (checked while decoding, before anything is kept). */
export const MAX_CONSENSUS_PER_FRAME = 256
export const MAX_OPS_PER_FRAME = 8192
export const MAX_BLOCKS_PER_RESPONSE = 64
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024

/** Mempool bounds: beyond these a submit is refused (HTTP 503) and gossiped ops are dropped. */
export const MEMPOOL_MAX_OPS = 100_000
export const MEMPOOL_MAX_BYTES = 64 * 1024 * 1024
/** Committed op hashes remembered so a late gossip or resubmission is not proposed again. */
export const RECENT_COMMITTED = 100_000

/** Re-send own votes (core `gossip`) and our Status this often. */
export const GOSSIP_INTERVAL_MS = 1000
/**
 * With an empty mempool a validator waits this long before starting the next height, so an
 * idle cluster makes one empty block per interval instead of hundreds (CometBFT's
 * create_empty_blocks_interval). Any operation, or any message for the height, starts it at once.
 */
export const EMPTY_BLOCK_INTERVAL_MS = 1000
/**
 * A commit that brings no record of its own to sync is written with the next batch (usually the
 * next height's lock), or after this long on its own: one LevelDB batch per height instead of two.
 */
export const COMMIT_WRITE_DELAY_MS = 20
/** How long a lag must persist before we fetch: normal operation is often one height apart. */
export const FETCH_DELAY_MS = 250
export const FETCH_TIMEOUT_MS = 5000
export const FETCH_BATCH = 64

/** Outbound stream dialling: exponential backoff with jitter between these bounds. */
export const DIAL_TIMEOUT_MS = 5000
export const RECONNECT_BASE_MS = 100
export const RECONNECT_MAX_MS = 5000
/** Bytes queued for one peer beyond which its stream is reset (gossip resynchronises it). */
export const MAX_QUEUED_BYTES = 64 * 1024 * 1024

/**
 * Timeouts from one base (consensus.proposeTimeoutMs). Prevote and precommit timeouts only run
 * once a quorum has voted (rules 3 and 6), so they can be short; each grows with the round as
 * the paper requires for liveness after GST. The commit wait is 0: the empty-block interval
 * paces an idle chain instead.
 */
export function driverTimeouts(proposeMs: number): Timeouts {
  const vote = Math.max(10, Math.round(proposeMs / 4))
  return {
    proposeMs,
    proposeDeltaMs: Math.round(proposeMs / 2),
    prevoteMs: vote,
    prevoteDeltaMs: vote,
    precommitMs: vote,
    precommitDeltaMs: vote,
    commitMs: 0,
  }
}
