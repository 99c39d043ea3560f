/**
 * Group commit: every write asked for within one turn of the event loop (and while a batch is
 * on its way to disk) goes into the next batch, so N concurrent writers share one fdatasync
 * (~0.2 ms here) instead of queueing for one each. At most one batch is in flight, so batches
 * reach the disk, and their promises resolve, in the order they were asked for: callers that
 * must not send before their write is durable (votes, acks, registrations) rely on that order.
 *
 * A batch is synced when any write in it asks for it; unsynced writes still go to LevelDB's
 * log in order, so the next synced batch makes them durable too. Later writes to a key replace
 * earlier ones in the same batch (the batch is atomic, so only the last value could be seen).
 * Shared by the registry, the messaging outbox/inbox and the consensus driver.
 */
import type { BatchOp, Store } from './types.js'

interface Pending {
  ops: Map<string, BatchOp>
  sync: boolean
  done: Promise<void>
  resolve(): void
  reject(err: unknown): void
}

export interface GroupCommitOptions {
  /** Called after each synced batch with its size and duration (metrics). */
  onBatch?: (ops: number, ms: number) => void
  /**
   * How long a batch asked for while none is in flight waits before it is written (default 0:
   * the next turn of the event loop). For writes that nothing on the way waits for, so that
   * the work that asked for them leaves the machine before LevelDB and fdatasync take a core
   * (see messaging's COMMIT_IDLE_DELAY_MS). Batches that queued behind one in flight go at once.
   */
  idleDelayMs?: number
}

export class GroupCommit {
  readonly #store: Store
  readonly #onBatch?: (ops: number, ms: number) => void
  readonly #idleDelayMs: number
  readonly #onFlush: (() => BatchOp[])[] = []
  #next?: Pending
  #inFlight?: Pending
  #scheduled = false
  #lazy: BatchOp[] = []
  #lazyTimer?: NodeJS.Timeout
  /** Batches written, for tests and metrics. */
  batches = 0

  constructor(store: Store, opts: GroupCommitOptions = {}) {
    this.#store = store
    this.#onBatch = opts.onBatch
    this.#idleDelayMs = opts.idleDelayMs ?? 0
  }

  /**
   * Called as each batch is taken, for ops that are cheaper built once per batch than once per
   * write (the outbox packs all of a batch's messages to one destination into one record).
   * Their writers wait on `write([])`, which joins the next batch.
   */
  onFlush(fn: () => BatchOp[]): void {
    this.#onFlush.push(fn)
  }

  /** Resolves once `ops` are written (synced, unless `sync` is false) with the rest of their batch. */
  write(ops: BatchOp[], sync = true): Promise<void> {
    if (this.#next === undefined) {
      let resolve!: () => void
      let reject!: (err: unknown) => void
      const done = new Promise<void>((res, rej) => {
        resolve = res
        reject = rej
      })
      // Nobody may be waiting yet; the failure still reaches whoever awaits `done`.
      done.catch(() => {})
      this.#next = { ops: new Map(), sync: false, done, resolve, reject }
    }
    this.#next.sync ||= sync
    for (const op of ops) {
      this.#next.ops.delete(op.key) // re-insert so the map keeps the order of last writes
      this.#next.ops.set(op.key, op)
    }
    this.#schedule()
    return this.#next.done
  }

  /**
   * Writes that need not be synced (deleting acked messages: losing them in a crash costs a
   * resend the receiver recognises). They ride along with the next batch, or, when none comes
   * within `lazyMs`, go out in one of their own.
   */
  writeLazy(ops: BatchOp[], lazyMs = 50): void {
    for (const op of ops) this.#lazy.push(op)
    if (this.#next !== undefined || this.#lazyTimer !== undefined) return
    this.#lazyTimer = setTimeout(() => {
      this.#lazyTimer = undefined
      if (this.#lazy.length === 0) return
      const lazy = this.#lazy
      this.#lazy = []
      // Through write() so it stays ordered with synced batches.
      this.write(lazy).catch(() => {})
    }, lazyMs)
    this.#lazyTimer.unref?.()
  }

  /** The promise of the last batch asked for, or null when everything asked for is on disk. */
  pending(): Promise<void> | null {
    return (this.#next ?? this.#inFlight)?.done ?? null
  }

  /**
   * Resolves when everything asked for so far, lazy writes included, is written: lazy writes
   * join the next batch at once (first, as always). Later writes are not waited for.
   */
  settled(): Promise<void> {
    if (this.#lazy.length > 0) return this.write([], false)
    return this.pending() ?? Promise.resolve()
  }

  /** Resolves when everything asked for so far, lazy writes included, is on disk. */
  async flushed(): Promise<void> {
    for (;;) {
      if (this.#next === undefined && this.#inFlight === undefined) {
        if (this.#lazy.length === 0) return
        clearTimeout(this.#lazyTimer)
        this.#lazyTimer = undefined
        const lazy = this.#lazy
        this.#lazy = []
        await this.write(lazy).catch(() => {})
        continue
      }
      await (this.pending() ?? Promise.resolve()).catch(() => {})
    }
  }

  /** `queued`: the batch waited for one in flight, so it goes without idleDelayMs. */
  #schedule(queued = false): void {
    if (this.#inFlight !== undefined || this.#scheduled) return
    this.#scheduled = true
    const flush = () => {
      this.#scheduled = false
      void this.#flush()
    }
    if (queued || this.#idleDelayMs === 0) setImmediate(flush)
    else setTimeout(flush, this.#idleDelayMs)
  }

  async #flush(): Promise<void> {
    const batch = this.#next
    if (batch === undefined || this.#inFlight !== undefined) return
    this.#next = undefined
    for (const fn of this.#onFlush) {
      for (const op of fn()) {
        batch.ops.delete(op.key)
        batch.ops.set(op.key, op)
      }
    }
    if (this.#lazy.length > 0) {
      // Lazy ops go first: a later op on the same key must win.
      const merged = new Map(this.#lazy.map((op) => [op.key, op]))
      for (const [key, op] of batch.ops) {
        merged.delete(key)
        merged.set(key, op)
      }
      batch.ops = merged
      this.#lazy = []
      clearTimeout(this.#lazyTimer)
      this.#lazyTimer = undefined
    }
    this.#inFlight = batch
    const started = performance.now()
    try {
      await this.#store.batch([...batch.ops.values()], { sync: batch.sync })
      this.batches++
      if (batch.sync) this.#onBatch?.(batch.ops.size, performance.now() - started)
      this.#inFlight = undefined
      batch.resolve()
    } catch (err) {
      this.#inFlight = undefined
      batch.reject(err)
    }
    if (this.#next !== undefined) this.#schedule(true)
  }
}
