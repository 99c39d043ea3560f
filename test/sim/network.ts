/**
 * The simulated network: per-message delay (uniform, plus occasional spikes that reorder),
 * loss and partitions until GST, and targeted-schedule filters. Deterministic given the PRNG.
 */
import type { FaultType, Payload } from './model.js'
import type { Prng } from './prng.js'
import type { ScenarioSpec } from './scenarios.js'
import { describe } from './wire.js'

export class Network {
  readonly #spec: ScenarioSpec
  readonly #rng: Prng
  readonly #fault: (kind: FaultType) => void
  readonly #linkLast = new Map<number, number>()

  constructor(spec: ScenarioSpec, rng: Prng, fault: (kind: FaultType) => void) {
    this.#spec = spec
    this.#rng = rng
    this.#fault = fault
  }

  /** When a message sent at `now` arrives, or null when the network drops it. */
  arrival(now: number, from: number, to: number, payload: Payload): number | null {
    const spec = this.#spec
    const net = spec.network
    if (spec.filter !== undefined) {
      const info =
        payload.kind === 'msg' ? describe(payload.bytes) : { kind: 'fetch' as const, height: -1, round: -1 }
      if (spec.filter(info, from, to)) return null
    }
    if (this.#partitioned(now, from, to)) {
      this.#fault('partition')
      return null
    }
    const early = now < spec.gst
    if (early && net.loss > 0 && this.#rng.chance(net.loss)) {
      this.#fault('loss')
      return null
    }
    let delay = this.#rng.int(net.minDelay, net.maxDelay)
    if (early && net.spikeProb > 0 && this.#rng.chance(net.spikeProb)) delay += this.#rng.int(1, net.spikeMs)
    const t = now + delay
    const link = from * 4096 + to
    if (t < (this.#linkLast.get(link) ?? -1)) this.#fault('reorder')
    else this.#linkLast.set(link, t)
    this.#fault('delay')
    return t
  }

  #partitioned(now: number, from: number, to: number): boolean {
    for (const p of this.#spec.partitions) {
      if (now < p.start || now >= p.end) continue
      const side = (id: number) => p.groups.findIndex((g) => g.includes(id))
      if (side(from) !== side(to)) return true
    }
    return false
  }
}
