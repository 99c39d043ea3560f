/**
 * Catch-up: a validator that is behind (restarted, partitioned) fetches committed blocks with
 * their certificates from a peer that is ahead, and feeds them to the core in order as
 * `committed` inputs; the core checks each against its chain and verifies the certificate
 * under that height's set before deciding it (docs/protocols/consensus.md "Catch-up"), so a
 * lying peer costs a request, never a wrong block. TENDERMINT.md: "let a validator that sees a
 * higher height fetch the committed blocks with their certificates".
 *
 * It also serves such requests, bounded in count and bytes and rate-limited per peer.
 */
import type { Logger } from '../../../lib/log.js'
import { RateLimiter } from '../../../lib/rate-limit.js'
import type { BlocksRequest, BlocksResponse } from './bft.pb.js'
import type { ChainStore } from './chain-store.js'
import { FETCH_BATCH, FETCH_DELAY_MS, FETCH_TIMEOUT_MS, MAX_RESPONSE_BYTES } from './constants.js'
import type { DriverMetrics } from './metrics.js'
import type { Reply } from './transport.js'
import { boundRequest, requestFrame, responseFrame } from './wire.js'

const COOLDOWN_MS = 10_000
const MAX_CLAIMS = 1024
/** Block requests read from the store at once, for everybody. */
const MAX_SERVING = 8

export interface CatchUpContext {
  /** The height the core is deciding. */
  height(): number
  send(peer: string, frame: Uint8Array): void
  /** Feeds one fetched block; true when the core decided it. */
  feed(block: Uint8Array, certificate: Uint8Array): boolean
  chain: ChainStore
  metrics: DriverMetrics
  log: Logger
}

interface Pending {
  id: number
  peer: string
  resolve(r: BlocksResponse | null): void
}

export class CatchUp {
  readonly #ctx: CatchUpContext
  /** The height each peer said it is deciding (so it holds the blocks below). */
  readonly #claims = new Map<string, number>()
  readonly #cooldown = new Map<string, number>()
  readonly #limiter = new RateLimiter(20, 40)
  /** All peers together, since peer IDs are free to make. */
  readonly #global = new RateLimiter(200, 200)
  #serving = 0
  #pending: Pending | null = null
  #timer?: NodeJS.Timeout
  #busy = false
  #stopped = false
  #nextId = 1
  fetched = 0

  constructor(ctx: CatchUpContext) {
    this.#ctx = ctx
  }

  get active(): boolean {
    return this.#busy
  }

  /** `peer` is deciding `height` (a Status, or a consensus message for that height). */
  note(peer: string, height: number): void {
    if (height > (this.#claims.get(peer) ?? 0)) {
      if (!this.#claims.has(peer) && this.#claims.size >= MAX_CLAIMS) return
      this.#claims.set(peer, height)
    }
    if (height > this.#ctx.height()) this.#schedule()
  }

  stop(): void {
    this.#stopped = true
    clearTimeout(this.#timer)
    this.#pending?.resolve(null)
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#busy || this.#stopped) return
    // Peers are often one height apart for a moment; fetch only if the lag persists.
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      void this.#run()
    }, FETCH_DELAY_MS)
  }

  #best(): string | undefined {
    const now = Date.now()
    let best: string | undefined
    let bestHeight = this.#ctx.height()
    for (const [peer, height] of this.#claims) {
      if ((this.#cooldown.get(peer) ?? 0) > now) continue
      if (height > bestHeight) {
        best = peer
        bestHeight = height
      }
    }
    return best
  }

  async #run(): Promise<void> {
    if (this.#busy) return
    this.#busy = true
    try {
      for (let peer = this.#best(); peer !== undefined && !this.#stopped; peer = this.#best()) {
        const from = this.#ctx.height()
        const response = await this.#request(peer, from)
        let decided = 0
        for (const b of response?.blocks ?? []) {
          if (!this.#ctx.feed(b.block, b.certificate)) break
          decided++
        }
        this.fetched += decided
        this.#ctx.metrics.catchUpBlocks.inc(decided)
        if (response !== null) this.#claims.set(peer, response.height)
        if (decided === 0) {
          // Nothing usable (timeout, nothing to give, or blocks that do not verify): try others.
          this.#claims.delete(peer)
          const now = Date.now()
          for (const [p, until] of this.#cooldown) if (until <= now) this.#cooldown.delete(p)
          this.#cooldown.set(peer, now + COOLDOWN_MS)
          if (response !== null && response.blocks.length > 0) {
            this.#ctx.log.warn({ peer, from }, 'fetched blocks did not fit our chain')
          }
        } else {
          this.#ctx.log.info({ peer, from, to: this.#ctx.height() - 1 }, 'caught up committed blocks')
        }
      }
    } finally {
      this.#busy = false
    }
  }

  #request(peer: string, from: number): Promise<BlocksResponse | null> {
    const id = this.#nextId++ >>> 0
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(null), FETCH_TIMEOUT_MS)
      const done = (r: BlocksResponse | null) => {
        clearTimeout(timer)
        this.#pending = null
        resolve(r)
      }
      this.#pending = { id, peer, resolve: done }
      this.#ctx.send(
        peer,
        requestFrame({ id, fromHeight: from, maxCount: FETCH_BATCH, maxBytes: MAX_RESPONSE_BYTES }),
      )
    })
  }

  response(peer: string, r: BlocksResponse): void {
    const p = this.#pending
    if (p === null || p.peer !== peer || p.id !== r.id) {
      this.#ctx.metrics.drop('unsolicited')
      return
    }
    p.resolve(r)
  }

  async serve(peer: string, r: BlocksRequest, reply: Reply): Promise<void> {
    if (this.#serving >= MAX_SERVING || !this.#limiter.take(peer) || !this.#global.take('all')) {
      this.#ctx.metrics.drop('rateLimited')
      return
    }
    const { from, count, bytes } = boundRequest(r)
    this.#serving++
    try {
      const blocks = from >= 1 ? await this.#ctx.chain.blocks(from, count, bytes) : []
      reply(responseFrame({ id: r.id, blocks, height: this.#ctx.height() }))
    } catch (err) {
      this.#ctx.log.warn({ peer, err: (err as Error).message }, 'serving blocks failed')
    } finally {
      this.#serving--
    }
  }
}
