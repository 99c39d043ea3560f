/**
 * The sender side of node-to-node messaging towards one NodeID: while the outbox holds
 * messages for it, keep one stream open (dialled through the directory: neighbour list, cache,
 * DHT, peer routing), set up a Channel on it (a session handshake, or Hellos; channel.ts),
 * and pipeline every durable outbox entry in sequence order; cumulative acks delete them. A failed attempt
 * waits with exponential backoff and jitter; a peer that connects to us cuts the wait short.
 */
import type { Stream } from '@libp2p/interface'
import type { Logger } from '../../lib/log.js'
import { backoffDelay } from '../../lib/backoff.js'
import type { Channel } from './channel.js'
import { HELLO_TIMEOUT_MS } from './constants.js'
import { reasonOf } from './errors.js'
import { decodeFrame, messageFrame, skipFrame } from './hello.js'
import { ErrorCode } from './messaging.pb.js'
import type { Outbox } from './outbox.js'
import type { VerifiedPeer } from './sealer.js'

/** A stream with nothing to send and nothing unacked for this long is closed. */
const LINK_IDLE_MS = 30_000
const BATCH = 256
/**
 * Up to this many unacked, a message goes out as soon as it is queued (latency first). Beyond,
 * the link lets the turn of the event loop finish first, so that what concurrent senders queue
 * in it goes out as one packed frame (one AEAD, one write) rather than one frame each.
 */
const FEW_UNACKED = 8n

export interface Connected {
  stream: Stream
  /** The Ed25519 key Noise proved for the remote end. */
  remoteKey: Uint8Array
  remotePeer: string
  /** The peer's certified X25519 key when the route knew it (a session handshake uses IK). */
  commsPublicKey?: Uint8Array
}

export interface LinkContext {
  outbox: Outbox
  /** Opens a stream to the node; `fresh` skips cached routes (after a failure). */
  connect(nodeId: string, opts: { signal: AbortSignal; fresh: boolean }): Promise<Connected>
  /** Sets up the Channel on a new stream (throws NotReadyError without a certificate). */
  open(conn: Connected, to: string): Promise<Channel>
  retryMaxMs: number
  log: Logger
  acked(to: string, count: number): void
  refused(to: string, reason: string, text: string): void
  learned(peer: VerifiedPeer): void
}

export type LinkState = 'idle' | 'connecting' | 'open' | 'backoff'

export class Link {
  readonly to: string
  state: LinkState = 'idle'
  peerId?: string
  lastError: string | null = null
  /** Whether the last channel to the peer was a session (sealed end to end). */
  encrypted: boolean | null = null
  nextAttemptAt: number | null = null
  readonly #ctx: LinkContext
  #attempt = 0
  #running = false
  #stopped = false
  #wake?: () => void
  #stream?: Stream

  constructor(to: string, ctx: LinkContext) {
    this.to = to
    this.#ctx = ctx
  }

  /** New messages are queued (or the peer just connected): send now, or retry now if `retry`. */
  kick(retry = false): void {
    if (this.#stopped) return
    if (!this.#running) {
      this.#running = true
      void this.#loop()
      return
    }
    if (this.state === 'open' || retry) this.#wake?.()
  }

  stop(): void {
    this.#stopped = true
    this.#wake?.()
    this.#stream?.abort(new Error('messaging stopped'))
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms)
      function done() {
        clearTimeout(t)
        resolve()
      }
      this.#wake = done
    })
  }

  async #loop(): Promise<void> {
    try {
      while (!this.#stopped && this.#ctx.outbox.sizeOf(this.to) > 0) {
        try {
          await this.#session()
          this.lastError = null
        } catch (err) {
          if (this.#stopped) break
          this.lastError = (err as Error).message
          const delay = backoffDelay(this.#attempt++, 250, this.#ctx.retryMaxMs)
          this.state = 'backoff'
          this.nextAttemptAt = Date.now() + delay
          this.#ctx.log.debug({ to: this.to, err: this.lastError, retryInMs: delay }, 'message link failed')
          await this.#sleep(delay)
          this.nextAttemptAt = null
        }
      }
    } finally {
      this.state = 'idle'
      this.#running = false
      this.#stream = undefined
    }
    // A message queued while the loop was finishing must not be stranded.
    if (!this.#stopped && this.#ctx.outbox.sizeOf(this.to) > 0) this.kick()
  }

  async #session(): Promise<void> {
    this.state = 'connecting'
    const conn = await this.#ctx.connect(this.to, {
      signal: AbortSignal.timeout(HELLO_TIMEOUT_MS),
      fresh: this.#attempt > 0,
    })
    const { stream } = conn
    this.#stream = stream
    this.peerId = conn.remotePeer
    try {
      const channel = await this.#ctx.open(conn, this.to)
      if (channel.peer.nodeId !== this.to) throw new Error(`reached ${channel.peer.nodeId}, not ${this.to}`)
      this.#ctx.learned(channel.peer)
      this.#attempt = 0
      this.encrypted = channel.encrypted
      this.state = 'open'
      await this.#pump(stream, channel)
    } finally {
      this.#stream = undefined
      await stream.close().catch(() => stream.abort(new Error('close failed')))
    }
  }

  /** Sends outbox entries as they become durable and applies acks until idle or failure. */
  async #pump(stream: Stream, channel: Channel): Promise<void> {
    const { outbox } = this.#ctx
    let sent = outbox.acked(this.to)
    let failure: Error | undefined
    let lastActivity = Date.now()
    let turned = false
    const reader = (async () => {
      for (;;) {
        const next = await channel.frames.next()
        if (next.done === true) break
        lastActivity = Date.now()
        const frame = decodeFrame(next.value)
        if (frame.ack !== undefined) {
          const seq = frame.ack.seq
          if (seq > outbox.lastSeq(this.to)) throw new Error(`ack for seq ${seq}, which was never sent`)
          const n = outbox.ack(this.to, seq)
          if (n > 0) this.#ctx.acked(this.to, n)
          if (seq > sent) sent = seq
        } else if (frame.refusal !== undefined) {
          const r = frame.refusal
          // Duplicates are expected after a lost ack; anything else from an honest peer is a bug.
          if (r.code !== ErrorCode.DUPLICATE) this.#ctx.refused(this.to, reasonOf(r.code), r.text)
          if (r.code === ErrorCode.OUT_OF_ORDER || r.code === ErrorCode.TOO_LARGE)
            throw new Error(`refused: ${r.code} ${r.text}`)
        }
      }
    })().then(
      () => {
        failure ??= new Error('stream closed by the peer')
        this.#wake?.()
      },
      (err: Error) => {
        failure ??= err
        this.#wake?.()
      },
    )
    while (failure === undefined && !this.#stopped) {
      // After a crash: the numbers it may have spent, skipped in order once all before are sent.
      const gap = outbox.gapAt(this.to, sent)
      if (gap !== undefined) {
        await channel.write([skipFrame(gap.after, gap.upTo)])
        sent = gap.upTo
        lastActivity = Date.now()
        continue
      }
      const batch = outbox.pending(this.to, sent, BATCH)
      if (batch.length > 0 && !turned && outbox.lastSeq(this.to) - outbox.acked(this.to) > FEW_UNACKED) {
        turned = true
        await new Promise((resolve) => setImmediate(resolve))
        continue
      }
      turned = false
      if (batch.length > 0) {
        await channel.write(batch.map((e) => messageFrame(e.message)))
        sent = batch[batch.length - 1].seq
        lastActivity = Date.now()
        continue
      }
      const idleFor = Date.now() - lastActivity
      if (outbox.sizeOf(this.to) === 0 && idleFor >= LINK_IDLE_MS) {
        await stream.close().catch(() => {})
        await reader
        return
      }
      await this.#sleep(Math.max(1, LINK_IDLE_MS - idleFor))
    }
    stream.abort(failure ?? new Error('messaging stopped'))
    await reader
    if (failure !== undefined && !this.#stopped) throw failure
  }
}
