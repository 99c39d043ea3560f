/**
 * Pending operations: bounded by count and bytes, de-duplicated by hash, kept in arrival order
 * (a proposer takes the oldest first, so nothing starves). Committed operations leave the pool
 * and are remembered for a while, so a late gossip copy or a client's retry is not proposed
 * again (an older resubmission would be committed again: the application tolerates that).
 */
import * as crypto from 'node:crypto'
import { MEMPOOL_MAX_BYTES, MEMPOOL_MAX_OPS, RECENT_COMMITTED } from './constants.js'
import { RecentKeys } from './recent-keys.js'

export interface MempoolOptions {
  maxOps: number
  maxBytes: number
  maxOpBytes: number
  recentCommitted: number
}

export type AddResult =
  | { kind: 'added' | 'duplicate'; key: string }
  | { kind: 'committed'; key: string; height: number }
  | { kind: 'full' | 'tooLarge'; key: string }

// One-shot hashing (Node >= 20.12) costs a third of createHash() for 200-byte operations, and
// every operation is hashed on entry and again when committed, on every validator.
const oneShot = (crypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'hex') => string }).hash

/** The identity of an operation: its SHA-256, hex. */
export function opKey(op: Uint8Array): string {
  return oneShot !== undefined
    ? oneShot('sha256', op, 'hex')
    : crypto.createHash('sha256').update(op).digest('hex')
}

export class Mempool {
  readonly #opts: MempoolOptions
  readonly #ops = new Map<string, Uint8Array>()
  readonly #recent: RecentKeys
  #bytes = 0

  constructor(opts: Partial<MempoolOptions> = {}) {
    this.#opts = {
      maxOps: MEMPOOL_MAX_OPS,
      maxBytes: MEMPOOL_MAX_BYTES,
      maxOpBytes: 64 * 1024,
      recentCommitted: RECENT_COMMITTED,
      ...opts,
    }
    this.#recent = new RecentKeys(this.#opts.recentCommitted)
  }

  get size(): number {
    return this.#ops.size
  }

  get bytes(): number {
    return this.#bytes
  }

  add(op: Uint8Array, key = opKey(op)): AddResult {
    if (op.length === 0 || op.length > this.#opts.maxOpBytes) return { kind: 'tooLarge', key }
    const height = this.#recent.get(Buffer.from(key, 'hex'))
    if (height !== undefined) return { kind: 'committed', key, height }
    if (this.#ops.has(key)) return { kind: 'duplicate', key }
    if (this.#ops.size >= this.#opts.maxOps || this.#bytes + op.length > this.#opts.maxBytes) {
      return { kind: 'full', key }
    }
    this.#ops.set(key, op)
    this.#bytes += op.length
    return { kind: 'added', key }
  }

  /** The oldest operations, at most `maxCount` of them and `maxBytes` (4-byte length prefixes included). */
  take(maxCount: number, maxBytes: number): Uint8Array[] {
    const out: Uint8Array[] = []
    let size = 0
    for (const op of this.#ops.values()) {
      if (out.length >= maxCount) break
      if (size + op.length + 4 > maxBytes) break
      out.push(op)
      size += op.length + 4
    }
    return out
  }

  /** Removes the operations of a committed block; returns their keys (for acknowledgements). */
  committed(ops: readonly Uint8Array[], height: number): string[] {
    const keys: string[] = []
    for (const op of ops) {
      const key = opKey(op)
      keys.push(key)
      const pending = this.#ops.get(key)
      if (pending !== undefined) {
        this.#ops.delete(key)
        this.#bytes -= pending.length
      }
      this.#recent.add(Buffer.from(key, 'hex'), height)
    }
    return keys
  }
}
