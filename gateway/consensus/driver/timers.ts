/**
 * The core's timers (timers arrive back as inputs), and when to start the next height. After a
 * decision the core asks for a `commit` timer (step newHeight); the driver starts round 0 as
 * soon as that timer has run AND there is work: an operation in the mempool, or a message for
 * the new height (another validator has started it, so the proposal may already be here). With
 * neither, an idle cluster still makes one empty block per `emptyIntervalMs`, which keeps
 * heights, statuses and catch-up moving.
 * References: CometBFT create_empty_blocks / create_empty_blocks_interval.
 */
import type { Timer } from '../types.js'

export interface TimersContext {
  emptyIntervalMs: number
  hasWork(): boolean
  /** Feeds a timer to the core. */
  fire(timer: Timer): void
}

interface NextHeight {
  timer: Timer
  ready: boolean
  min: NodeJS.Timeout
  cap: NodeJS.Timeout
}

export class CoreTimers {
  readonly #ctx: TimersContext
  /** Pending timers and the height each was armed for. */
  readonly #pending = new Map<NodeJS.Timeout, number>()
  #next: NextHeight | null = null

  constructor(ctx: TimersContext) {
    this.#ctx = ctx
  }

  arm(timer: Timer): void {
    if (timer.kind === 'commit') {
      this.#awaitWork(timer)
      return
    }
    const handle = setTimeout(() => {
      this.#pending.delete(handle)
      this.#ctx.fire(timer)
    }, timer.durationMs)
    this.#pending.set(handle, timer.height)
  }

  /** Timers of decided heights would only be ignored by the core: drop them. */
  dropBelow(height: number): void {
    for (const [handle, h] of this.#pending) {
      if (h >= height) continue
      clearTimeout(handle)
      this.#pending.delete(handle)
    }
  }

  /** Something happened (an operation arrived, a message came in): start now if there is work. */
  poke(): void {
    const p = this.#next
    if (p?.ready && this.#ctx.hasWork()) this.#startHeight(p)
  }

  stop(): void {
    for (const handle of this.#pending.keys()) clearTimeout(handle)
    this.#pending.clear()
    this.#clearNext()
  }

  #awaitWork(timer: Timer): void {
    this.#clearNext()
    const p: NextHeight = {
      timer,
      ready: false,
      min: setTimeout(() => {
        p.ready = true
        this.poke()
      }, timer.durationMs),
      cap: setTimeout(() => this.#startHeight(p), timer.durationMs + this.#ctx.emptyIntervalMs),
    }
    this.#next = p
  }

  #clearNext(): void {
    if (this.#next === null) return
    clearTimeout(this.#next.min)
    clearTimeout(this.#next.cap)
    this.#next = null
  }

  #startHeight(p: NextHeight): void {
    if (this.#next !== p) return
    this.#clearNext()
    this.#ctx.fire(p.timer)
  }
}
