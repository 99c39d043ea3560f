/** Protocol ID, signature domain and fixed bounds of /xlattice/msg/1.0.0. */
export const MSG_PROTOCOL = '/xlattice/msg/1.0.0'
export const PROTOCOL_VERSION = 1
/** Plaintext envelopes are signed over `TAG_MSG || 0x00 || envelope bytes`. */
export const TAG_MSG = 'xlattice/msg/v1'
/**
 * Largest frame either side reads. A protocol constant rather than a config key: a receiver
 * with a smaller limit than its senders would refuse their messages forever, and every later
 * message in the same sequence with them.
 */
export const MAX_FRAME_BYTES = 64 * 1024
/** Largest payload a sender accepts, leaving room for the envelope, signature and framing. */
export const MAX_PAYLOAD_BYTES = 60 * 1024
export const MAX_KIND_BYTES = 64
export const NODE_ID_BYTES = 32
/** A Hello must arrive this soon after a stream opens. */
export const HELLO_TIMEOUT_MS = 10_000
/** Inbound streams with no frame for this long are closed. */
export const INBOUND_IDLE_MS = 5 * 60_000
/** Streams one connection may open to us at once on this protocol. */
export const MAX_INBOUND_STREAMS = 8
/**
 * Inbound streams open at once from everyone: each may hold ~3 MiB while paused (1 MiB of
 * frames, a 2 MiB Yamux window), so this bounds what senders can make a node buffer.
 */
export const MAX_INBOUND_TOTAL = 256
/**
 * How long the messaging store's group commit holds a batch asked for while none is in flight
 * (GroupCommitOptions.idleDelayMs). Nothing on a message's way waits for that batch: the sender
 * sends within its reservation, and a kept record reaches its consumer before its batch is on
 * disk. But the write and its fdatasync take a core, and started at once they run beside the
 * message's last steps (the receiving node relaying it, its XMPP server delivering it) on a
 * server with few cores. Held 3 ms, they run after: paced XMPP messages through the lattice
 * gained ~0.2-0.3 ms of ~3 ms, one node's path ~0.2 ms, back to back ~0.13 ms (bench/RESULTS.md,
 * 2026-11-29 22:00). Under load batches queue behind one another and go at once, as before. What
 * it costs: acks, and the moment a sent message is on the sender's disk, come 3 ms later.
 */
export const COMMIT_IDLE_DELAY_MS = 3
/** The message kind the XMPP component sends between home nodes; a node keeps its payloads. */
export const XMPP_KIND = 'xmpp'
/** Records a consumer of a kept kind has outstanding (issued, not yet resolved) by default. */
export const KEPT_WINDOW = 256
/** Backoff of a consumer whose callback rejected: `backoffDelay(attempt, base, max)`. */
export const KEPT_RETRY_BASE_MS = 500
export const KEPT_RETRY_MAX_MS = 30_000
/**
 * Payload bytes of kept records held in memory beyond what a consumer has outstanding: past
 * this, new records stay on disk only and are read back in pages when the consumer gets to them.
 */
export const KEPT_BUFFER_BYTES = 8 * 1024 * 1024

/**
 * Undelivered records one kept kind may hold (on disk). Past it the node refuses messages of
 * that kind with BUSY and their senders keep them and retry later: an absent or stuck consumer
 * (an XMPP server down for days) cannot fill the disk with other nodes' messages.
 */
export const KEPT_MAX_PENDING = 100_000
