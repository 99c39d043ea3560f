/**
 * Group commit: every write asked for while a synced batch is on its way to disk (or within
 * the current turn of the event loop) goes into the next batch, so N concurrent messages cost
 * one fdatasync instead of N (~0.2 ms each here). At most one batch is in flight, so batches
 * reach the disk, and their promises resolve, in the order they were asked for.
 *
 * Later writes to a key replace earlier ones in the same batch (the batch is atomic, so only
 * the last value could ever be seen): a receiver's high-water mark written 500 times in one
 * batch is one put.
 */
import type { BatchOp, Store } from '../../lib/store/index.js'

interface Pending {
  ops: Map<string, BatchOp>
  done: Promise<void>
  resolve(): void
  reject(err: unknown): void
}

export class GroupCommit {
  readonly #store: Store
  readonly #sync: boolean
  #next?: Pending
  #inFlight = false
  #scheduled = false
  #lazy: BatchOp[] = []
  readonly #onFlush: (() => BatchOp[])[] = []
  #lazyTimer?: NodeJS.Timeout
  /** Batches written, for tests and metrics. */
  batches = 0

  constructor(store: Store, opts: { sync?: boolean } = {}) {
    this.#store = store
    this.#sync = opts.sync ?? true
  }

  /**
   * Called as each batch is taken, for ops that are cheaper built once per batch than once per
   * write (the outbox packs all of a batch's messages to one destination into one record).
   * Their writers wait on `write([])`, which joins the next batch.
   */
  onFlush(fn: () => BatchOp[]): void {
    this.#onFlush.push(fn)
  }

  /** Resolves once `ops` are on disk (synced), together with everything else of their batch. */
  write(ops: BatchOp[]): Promise<void> {
    if (this.#next === undefined) {
      let resolve!: () => void
      let reject!: (err: unknown) => void
      const done = new Promise<void>((res, rej) => {
        resolve = res
        reject = rej
      })
      this.#next = { ops: new Map(), done, resolve, reject }
    }
    for (const op of ops) {
      this.#next.ops.delete(op.key) // re-insert so the map keeps the order of last writes
      this.#next.ops.set(op.key, op)
    }
    this.#schedule()
    return this.#next.done
  }

  /**
   * Writes that need not be synced (deleting acked messages: losing them in a crash costs a
   * resend the receiver recognises). They ride along with the next synced batch, or, when
   * none comes within `lazyMs`, go out in a batch of their own without an fsync.
   */
  writeLazy(ops: BatchOp[], lazyMs = 50): void {
    for (const op of ops) this.#lazy.push(op)
    if (this.#next !== undefined || this.#lazyTimer !== undefined) return
    this.#lazyTimer = setTimeout(() => {
      this.#lazyTimer = undefined
      if (this.#lazy.length === 0) return
      const ops = this.#lazy
      this.#lazy = []
      // Through write() so it stays ordered with synced batches; the fsync is then shared.
      this.write(ops).catch(() => {})
    }, lazyMs)
    this.#lazyTimer.unref?.()
  }

  /** Resolves when everything asked for so far is on disk. */
  async flushed(): Promise<void> {
    while (this.#next !== undefined || this.#inFlight || this.#lazy.length > 0) {
      if (this.#next === undefined && !this.#inFlight) {
        clearTimeout(this.#lazyTimer)
        this.#lazyTimer = undefined
        const ops = this.#lazy
        this.#lazy = []
        await this.write(ops).catch(() => {})
        continue
      }
      await (this.#next?.done ?? new Promise((r) => setImmediate(r))).catch(() => {})
    }
  }

  #schedule(): void {
    if (this.#inFlight || this.#scheduled) return
    this.#scheduled = true
    // One event-loop turn: writes from every I/O callback of this turn join the batch.
    setImmediate(() => {
      this.#scheduled = false
      void this.#flush()
    })
  }

  async #flush(): Promise<void> {
    const batch = this.#next
    if (batch === undefined || this.#inFlight) return
    this.#next = undefined
    for (const fn of this.#onFlush) {
      for (const op of fn()) {
        batch.ops.delete(op.key)
        batch.ops.set(op.key, op)
      }
    }
    if (this.#lazy.length > 0) {
      // Lazy ops go first: a later synced op on the same key must win.
      const lazy = new Map(this.#lazy.map((op) => [op.key, op]))
      for (const [key, op] of batch.ops) {
        lazy.delete(key)
        lazy.set(key, op)
      }
      batch.ops = lazy
      this.#lazy = []
      clearTimeout(this.#lazyTimer)
      this.#lazyTimer = undefined
    }
    this.#inFlight = true
    try {
      await this.#store.batch([...batch.ops.values()], { sync: this.#sync })
      this.batches++
      batch.resolve()
    } catch (err) {
      batch.reject(err)
    } finally {
      this.#inFlight = false
      if (this.#next !== undefined) this.#schedule()
    }
  }
}
