/**
 * Group commit for the driver's synced writes: every batch of operations asked for within one
 * event-loop turn (and while a batch is on its way to disk) goes into the next batch, so the
 * votes, locks and commits of many inputs cost one fdatasync. Batches reach the disk, and
 * their promises resolve, in the order they were asked for; that order is what lets the
 * driver hold each send back until everything written before it is durable.
 *
 * A batch is synced when any write in it asks for it. Unsynced writes still go to LevelDB's log
 * in order, so the next synced batch (an fdatasync of that log) makes them durable too.
 */
import type { BatchOp, Store } from '../../../lib/store/index.js'

interface Pending {
  ops: BatchOp[]
  sync: boolean
  done: Promise<void>
  resolve(): void
  reject(err: unknown): void
}

export class GroupCommit {
  readonly #store: Store
  readonly #onBatch?: (ops: number, ms: number) => void
  #next?: Pending
  #inFlight?: Pending
  #scheduled = false
  batches = 0

  constructor(store: Store, onBatch?: (ops: number, ms: number) => void) {
    this.#store = store
    this.#onBatch = onBatch
  }

  /** Resolves once `ops` are written (and synced, with `sync`), with everything else of their batch. */
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
      this.#next = { ops: [], sync: false, done, resolve, reject }
    }
    this.#next.sync ||= sync
    for (const op of ops) this.#next.ops.push(op)
    this.#schedule()
    return this.#next.done
  }

  /** The promise of the last batch asked for, or null when everything asked for is durable. */
  pending(): Promise<void> | null {
    return (this.#next ?? this.#inFlight)?.done ?? null
  }

  #schedule(): void {
    if (this.#inFlight !== undefined || this.#scheduled) return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      void this.#flush()
    })
  }

  async #flush(): Promise<void> {
    const batch = this.#next
    if (batch === undefined || this.#inFlight !== undefined) return
    this.#next = undefined
    this.#inFlight = batch
    const started = performance.now()
    try {
      await this.#store.batch(batch.ops, { sync: batch.sync })
      this.batches++
      if (batch.sync) this.#onBatch?.(batch.ops.length, performance.now() - started)
      this.#inFlight = undefined
      batch.resolve()
    } catch (err) {
      this.#inFlight = undefined
      batch.reject(err)
    }
    if (this.#next !== undefined) this.#schedule()
  }
}
