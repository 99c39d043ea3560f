/**
 * Operations entering the mempool, locally (a client's submit, answered once the operation is
 * committed and durable) or from a validator's gossip. Local operations are gossiped to every
 * validator of the height, batched per event-loop turn, so whoever proposes next has them: the
 * proposer rotates every height.
 */
import type { StateMachine } from './app.js'
import { MAX_OPS_PER_FRAME } from './constants.js'
import { InvalidOperation, MempoolFull } from './errors.js'
import type { Mempool } from './mempool.js'
import type { DriverMetrics } from './metrics.js'
import { opsFrame } from './wire.js'

const MAX_GOSSIP_FRAME_BYTES = 1024 * 1024
const MAX_WAITERS = 200_000

export interface SubmissionsContext {
  app: StateMachine
  mempool: Mempool
  metrics: DriverMetrics
  gossip(frame: Uint8Array): void
  /** An operation entered the mempool (the next height may start). */
  added(): void
}

interface Waiter {
  resolve(height: number): void
  reject(err: Error): void
  since: number
}

export class Submissions {
  readonly #ctx: SubmissionsContext
  readonly #waiters = new Map<string, Waiter[]>()
  #waiting = 0
  #out: Uint8Array[] = []
  #scheduled = false
  #stopped = false

  constructor(ctx: SubmissionsContext) {
    this.#ctx = ctx
  }

  /** Resolves with the height the operation was committed at; rejects when it cannot be queued. */
  submit(op: Uint8Array): Promise<number> {
    if (this.#stopped) return Promise.reject(new Error('consensus stopped'))
    if (!this.#ctx.app.checkOperation(op)) return Promise.reject(new InvalidOperation())
    const r = this.#ctx.mempool.add(op)
    switch (r.kind) {
      case 'committed':
        return Promise.resolve(r.height)
      case 'tooLarge':
        return Promise.reject(new InvalidOperation('operation is empty or too large'))
      case 'full':
        this.#ctx.metrics.drop('mempoolFull')
        return Promise.reject(new MempoolFull())
    }
    if (this.#waiting >= MAX_WAITERS)
      return Promise.reject(new MempoolFull('too many operations awaiting commit'))
    // Waiting before anything else happens: with a single validator, starting the height
    // (`added`) can decide it synchronously.
    const committed = new Promise<number>((resolve, reject) => {
      const list = this.#waiters.get(r.key) ?? []
      this.#waiters.set(r.key, list)
      list.push({ resolve, reject, since: performance.now() })
      this.#waiting++
    })
    if (r.kind === 'added') {
      this.#gossip(op)
      this.#ctx.added()
    }
    return committed
  }

  /** An operation from a validator's gossip. */
  gossiped(op: Uint8Array): void {
    if (!this.#ctx.app.checkOperation(op)) {
      this.#ctx.metrics.drop('opInvalid')
      return
    }
    const r = this.#ctx.mempool.add(op)
    if (r.kind === 'full') this.#ctx.metrics.drop('mempoolFull')
    else if (r.kind === 'tooLarge') this.#ctx.metrics.drop('opInvalid')
  }

  /** The operations (by key) of a commit decided at `height`. */
  committed(keys: readonly string[], height: number): void {
    const now = performance.now()
    for (const key of keys) {
      const list = this.#waiters.get(key)
      if (list === undefined) continue
      this.#waiters.delete(key)
      this.#waiting -= list.length
      for (const w of list) {
        this.#ctx.metrics.commitLatency.observe((now - w.since) / 1000)
        w.resolve(height)
      }
    }
  }

  stop(): void {
    this.#stopped = true
    for (const list of this.#waiters.values()) for (const w of list) w.reject(new Error('consensus stopped'))
    this.#waiters.clear()
    this.#waiting = 0
  }

  #gossip(op: Uint8Array): void {
    this.#out.push(op)
    if (this.#scheduled) return
    this.#scheduled = true
    setImmediate(() => this.#flush())
  }

  #flush(): void {
    this.#scheduled = false
    const ops = this.#out
    this.#out = []
    let batch: Uint8Array[] = []
    let bytes = 0
    for (const op of ops) {
      if (
        batch.length >= MAX_OPS_PER_FRAME ||
        (batch.length > 0 && bytes + op.length > MAX_GOSSIP_FRAME_BYTES)
      ) {
        this.#ctx.gossip(opsFrame(batch))
        batch = []
        bytes = 0
      }
      batch.push(op)
      bytes += op.length + 4
    }
    if (batch.length > 0) this.#ctx.gossip(opsFrame(batch))
  }
}
