/**
 * Dispatch of inbound frames. Consensus messages and operations are accepted from validators
 * (this height's and the last one's) only: votes and proposals travel directly from their
 * signers, or from validators re-sending a polka, so anything else is noise that would cost a
 * signature check. Status and block requests are served to anyone (followers catch up too).
 * Nothing here throws: every refusal is counted by reason.
 */
import type { CatchUp } from './catchup.js'
import type { DriverMetrics } from './metrics.js'
import type { Submissions } from './submissions.js'
import type { Reply, Transport, TransportHandler } from './transport.js'
import { decodeFrame } from './wire.js'

const MAX_REPLY_PEERS = 1024

export interface InboundContext {
  transport: Transport
  metrics: DriverMetrics
  catchUp: CatchUp
  submissions: Submissions
  /** Our Status frame. */
  status(): Uint8Array
  height(): number
  message(bytes: Uint8Array, peer: string): void
  /** After a frame's consensus messages: the next height may start. */
  afterMessages(): void
  connected(peer: string): void
}

export class Inbound {
  readonly #ctx: InboundContext
  #allowed = new Set<string>()
  /** The last stream each peer reached us on, for answering peers we hold no link to. */
  readonly #replies = new Map<string, Reply>()
  readonly handler: TransportHandler

  constructor(ctx: InboundContext) {
    this.#ctx = ctx
    this.handler = {
      frame: (peer, bytes, reply) => this.#frame(peer, bytes, reply),
      connected: (peer) => ctx.connected(peer),
      dropped: (reason) => ctx.metrics.drop(reason),
    }
  }

  allow(peers: readonly string[]): void {
    this.#allowed = new Set(peers)
  }

  /** Over our link to the peer when there is one, else back on the stream it last used. */
  send(peer: string, frame: Uint8Array): void {
    if (this.#ctx.transport.isConnected(peer)) this.#ctx.transport.send(peer, frame)
    else this.#replies.get(peer)?.(frame)
  }

  #frame(peer: string, bytes: Uint8Array, reply: Reply): void {
    const { metrics, catchUp } = this.#ctx
    const d = decodeFrame(bytes)
    if (!d.ok) {
      metrics.drop(d.reason === 'oversize' ? 'frameOversize' : 'frameMalformed')
      return
    }
    const f = d.frame
    this.#replies.delete(peer)
    this.#replies.set(peer, reply)
    if (this.#replies.size > MAX_REPLY_PEERS) this.#replies.delete(this.#replies.keys().next().value!)
    const validator = this.#allowed.has(peer)
    if (f.consensus.length > 0) {
      if (!validator) metrics.drop('notValidator', f.consensus.length)
      else {
        for (const m of f.consensus) this.#ctx.message(m, peer)
        this.#ctx.afterMessages()
      }
    }
    if (f.ops.length > 0) {
      if (!validator) metrics.drop('notValidator', f.ops.length)
      else {
        for (const op of f.ops) this.#ctx.submissions.gossiped(op)
        this.#ctx.afterMessages()
      }
    }
    if (f.status !== undefined) {
      // Only validators' claims drive catch-up: anyone else could make us chase made-up heights.
      if (validator) catchUp.note(peer, f.status.height)
      // A peer behind us learns our height even if we hold no link to it (a follower).
      if (f.status.height < this.#ctx.height()) reply(this.#ctx.status())
    }
    if (f.blocksRequest !== undefined) void catchUp.serve(peer, f.blocksRequest, reply)
    if (f.blocksResponse !== undefined) catchUp.response(peer, f.blocksResponse)
  }
}
