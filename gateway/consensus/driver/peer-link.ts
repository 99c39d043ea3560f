/**
 * One outbound stream to one peer, kept open: dialled on demand, re-dialled with exponential
 * backoff and jitter when it fails, and sooner when the peer connects to us (it restarted).
 * Frames written while the stream is down are dropped: consensus resends its current votes on
 * reconnect (the core's `gossip`), and catch-up fetches whole blocks.
 */
import type { Stream } from '@libp2p/interface'
import { backoffDelay } from '../../../lib/backoff.js'
import type { Logger } from '../../../lib/log.js'
import { DIAL_TIMEOUT_MS, RECONNECT_BASE_MS, RECONNECT_MAX_MS } from './constants.js'
import { FrameWriter } from './framing.js'

export interface LinkContext {
  dial(signal: AbortSignal): Promise<Stream>
  /** Reads the stream until it ends (frames from the peer arrive on our outbound stream too). */
  serve(stream: Stream): Promise<void>
  connected(): void
  overflow(): void
  log: Logger
}

export class PeerLink {
  readonly peer: string
  readonly #ctx: LinkContext
  #writer?: FrameWriter
  #stream?: Stream
  #running = false
  #stopped = false
  #attempt = 0
  #wake?: () => void

  constructor(peer: string, ctx: LinkContext) {
    this.peer = peer
    this.#ctx = ctx
  }

  get open(): boolean {
    return this.#writer?.open ?? false
  }

  write(frame: Uint8Array): void {
    this.#writer?.write(frame)
  }

  /** Starts the link, or cuts a backoff wait short. */
  kick(): void {
    if (this.#stopped) return
    if (this.#running) {
      this.#wake?.()
      return
    }
    this.#running = true
    void this.#loop()
  }

  stop(): void {
    this.#stopped = true
    this.#wake?.()
    this.#stream?.abort(new Error('link stopped'))
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      try {
        const stream = await this.#ctx.dial(AbortSignal.timeout(DIAL_TIMEOUT_MS))
        if (this.#stopped) {
          stream.abort(new Error('link stopped'))
          break
        }
        this.#stream = stream
        this.#writer = new FrameWriter(stream, () => {
          this.#ctx.overflow()
          stream.abort(new Error('peer is not reading'))
        })
        this.#attempt = 0
        this.#ctx.connected()
        await this.#ctx.serve(stream)
        await stream.close().catch(() => stream.abort(new Error('close failed')))
      } catch (err) {
        this.#ctx.log.debug({ peer: this.peer, err: (err as Error).message }, 'bft link failed')
      } finally {
        this.#writer = undefined
        this.#stream = undefined
      }
      if (this.#stopped) break
      await this.#sleep(backoffDelay(this.#attempt++, RECONNECT_BASE_MS, RECONNECT_MAX_MS))
    }
    this.#running = false
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.#wake = undefined
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.#wake = done
    })
  }
}
