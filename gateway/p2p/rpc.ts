/**
 * Request/response over one libp2p stream: unsigned-varint length-prefixed frames, answered
 * strictly in order, many per stream. Shared by every `/xlattice/*` protocol that is a plain
 * RPC, so framing, size bounds and idle timeouts are handled in one place.
 */
import type { Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import type { Logger } from '../../lib/log.js'

export interface ServeOptions {
  maxFrameBytes: number
  /** Close a stream that sends nothing for this long, so idle peers cannot pin resources. */
  idleMs: number
  log: Logger
  /** Answers one frame. Must not throw for bad input (encode an error response instead). */
  handle(frame: Uint8Array): Promise<Uint8Array>
  /** The response sent for a frame over the size bound; the stream is closed after it. */
  oversize(): Uint8Array
}

export async function serveStream(stream: Stream, opts: ServeOptions): Promise<void> {
  const lp = lpStream(stream, { maxDataLength: opts.maxFrameBytes })
  try {
    while (stream.status === 'open') {
      let frame: Uint8Array
      try {
        frame = (await lp.read({ signal: AbortSignal.timeout(opts.idleMs) })).subarray()
      } catch (err: any) {
        if (err?.name === 'InvalidDataLengthError') {
          await lp.write(opts.oversize()).catch(() => {})
        } else if (err?.name !== 'UnexpectedEOFError') {
          opts.log.debug({ err: err?.message }, 'stream read ended')
        }
        break
      }
      await lp.write(await opts.handle(frame))
    }
  } catch (err: any) {
    opts.log.debug({ err: err?.message }, 'stream ended with error')
  } finally {
    await stream.close().catch(() => stream.abort(new Error('close failed')))
  }
}

/** The client side: one outstanding request at a time on one stream (callers serialise). */
export class RpcStream {
  readonly #stream: Stream
  readonly #lp: ReturnType<typeof lpStream>
  #queue: Promise<unknown> = Promise.resolve()

  constructor(stream: Stream, maxFrameBytes: number) {
    this.#stream = stream
    this.#lp = lpStream(stream, { maxDataLength: maxFrameBytes })
  }

  get open(): boolean {
    return this.#stream.status === 'open'
  }

  request(frame: Uint8Array, timeoutMs = 10_000): Promise<Uint8Array> {
    const run = async (): Promise<Uint8Array> => {
      const signal = AbortSignal.timeout(timeoutMs)
      await this.#lp.write(frame, { signal })
      return (await this.#lp.read({ signal })).subarray()
    }
    const result = this.#queue.then(run, run)
    this.#queue = result.catch(() => {})
    return result
  }

  async close(): Promise<void> {
    await this.#stream.close().catch(() => this.#stream.abort(new Error('close failed')))
  }
}
