/**
 * Key layout of the node's `msg` sublevel. Outbox records and the sequence counters share one
 * key space on purpose: a queued message and the counter that numbered it must reach the
 * disk in the same atomic, synced batch, or a crash could leave a gap (counter without
 * message) that blocks the receiver, or reuse a number (message without counter) that the
 * receiver would drop as a duplicate.
 *
 *   o!<to hex>!<first seq, 16 hex>  -> QueuedChunk     messages to `to` from one group commit
 *   s!<to hex>                      -> u64, u64         last sequence number given to `to`, and
 *                                                      the reservation: numbers up to it may be
 *                                                      on the wire before their message is on disk
 *   g!<to hex>                      -> u64, u64         a gap to announce to `to` (after, upTo):
 *                                                      numbers a crash may have spent (outbox.ts)
 *   a!<to hex>                      -> u64 big-endian  highest seq `to` acked (lazy: may lag)
 *   r!<from hex>                    -> u64 big-endian  highest seq delivered from `from`
 *                                                      (own NodeID: the last keepLocal seq)
 *   k!<kind>!<arrival, 16 hex>      -> kept record     a received message of a kept kind (kept.ts)
 *
 * A kept record is written in the same synced batch as the `r!` mark that admits its message,
 * so a message acked to its sender is on disk until the local consumer has taken it. The
 * arrival counter is per kind and local: it orders records across senders; at open it
 * resumes after the highest key present. Kept kinds are key-safe words (no `!`, see kept.ts).
 */
export const OUTBOX = 'o!'
export const ACKED = 'a!'
export const SENT_SEQ = 's!'
export const GAP = 'g!'
export const RECEIVED_SEQ = 'r!'
export const KEPT = 'k!'

/** Sequence numbers and arrival counters in keys: 16 hex digits, so keys sort by number. */
const hex16 = (n: bigint) => n.toString(16).padStart(16, '0')

export const outboxKey = (to: string, seq: bigint) => `${OUTBOX}${to}!${hex16(seq)}`

export function parseOutboxKey(key: string): { to: string; seq: bigint } {
  const [, to, seq] = key.split('!')
  return { to, seq: BigInt(`0x${seq}`) }
}

export const keptKey = (kind: string, arrival: bigint) => `${KEPT}${kind}!${hex16(arrival)}`

/** The key range holding every record of `kind` (hex digits sort below `~`). */
export const keptRange = (kind: string) => ({ gte: `${KEPT}${kind}!`, lt: `${KEPT}${kind}!~` })

export function parseKeptKey(key: string): { kind: string; arrival: bigint } {
  const at = key.lastIndexOf('!')
  return { kind: key.slice(KEPT.length, at), arrival: BigInt(`0x${key.slice(at + 1)}`) }
}

export function u64(n: bigint): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, n)
  return out
}

export function readU64(bytes: Uint8Array): bigint {
  if (bytes.length !== 8) return 0n
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0)
}

/** Two u64 values in one record (the `s!` counter and its reservation, a `g!` gap). */
export function u64Pair(a: bigint, b: bigint): Uint8Array {
  const out = new Uint8Array(16)
  const view = new DataView(out.buffer)
  view.setBigUint64(0, a)
  view.setBigUint64(8, b)
  return out
}

/** Reads u64Pair; a record of one u64 (written before reservations existed) reads as [a, a]. */
export function readU64Pair(bytes: Uint8Array): [bigint, bigint] {
  if (bytes.length === 8) {
    const a = readU64(bytes)
    return [a, a]
  }
  if (bytes.length !== 16) return [0n, 0n]
  const view = new DataView(bytes.buffer, bytes.byteOffset, 16)
  return [view.getBigUint64(0), view.getBigUint64(8)]
}
