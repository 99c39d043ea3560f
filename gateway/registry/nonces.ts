/**
 * Replay protection for signed requests: a nonce is accepted once while its timestamp could
 * still pass the clock-skew check, and remembered (in memory and on disk) for that long.
 * Keys are `nonce!<time, 12 hex>!<nonce hex>` in the owner's key space, so the owner persists
 * a claim in the same synced batch as whatever the request changed.
 */
import { toHex } from '../../lib/encoding.js'
import type { BatchOp, Store } from '../../lib/store/index.js'

const NONCE_PREFIX = 'nonce!'
const pad = (n: number) => n.toString(16).padStart(12, '0')

export class NonceBook {
  readonly #db: Store
  readonly #recent = new Map<string, number>()

  constructor(db: Store) {
    this.#db = db
  }

  /** Loads the nonces still within the retention and deletes the older ones. */
  async load(retentionMs: number, now: number): Promise<void> {
    const stale: BatchOp[] = []
    for await (const [key] of this.#db.entries({ gte: NONCE_PREFIX, lt: `${NONCE_PREFIX}~` })) {
      const [ts, nonce] = key.slice(NONCE_PREFIX.length).split('!')
      const at = Number.parseInt(ts, 16)
      if (now - at > retentionMs) stale.push({ type: 'del', key })
      else this.#recent.set(nonce, at)
    }
    if (stale.length > 0) await this.#db.batch(stale)
  }

  /**
   * Claims a nonce synchronously (so two concurrent requests cannot both pass) and returns
   * the store op that persists it; false if it was already seen.
   */
  claim(nonce: Uint8Array, at: number): BatchOp | false {
    const hex = toHex(nonce)
    if (this.#recent.has(hex)) return false
    this.#recent.set(hex, at)
    return { type: 'put', key: `${NONCE_PREFIX}${pad(at)}!${hex}`, value: new Uint8Array() }
  }

  /** Forgets nonces older than the retention: they would fail the timestamp check anyway. */
  async prune(retentionMs: number, now: number): Promise<number> {
    const cutoff = now - retentionMs
    let pruned = 0
    for (const [nonce, at] of this.#recent) {
      if (at < cutoff) {
        this.#recent.delete(nonce)
        pruned++
      }
    }
    const ops: BatchOp[] = []
    for await (const [key] of this.#db.entries({ gte: NONCE_PREFIX, lt: `${NONCE_PREFIX}${pad(cutoff)}` })) {
      ops.push({ type: 'del', key })
    }
    if (ops.length > 0) await this.#db.batch(ops)
    return pruned
  }
}
