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

/**
 * An unsigned-varint length decoder that gives up once the prefix is longer than any frame
 * under `maxFrameBytes` needs. libp2p's lpStream checks the prefix length only after a varint
 * decodes, so a stream of 0xff bytes would otherwise be buffered (and re-parsed) without end.
 */
function boundedLength(maxFrameBytes: number) {
  let maxPrefix = 1
  for (let n = maxFrameBytes; n > 0x7f; n = Math.floor(n / 128)) maxPrefix++
  const decode = (buf: { byteLength: number; get(i: number): number } | Uint8Array): number => {
    const at = (i: number) => (buf instanceof Uint8Array ? buf[i] : buf.get(i))
    let value = 0
    for (let i = 0; i < buf.byteLength && i < maxPrefix; i++) {
      const b = at(i)
      value += (b & 0x7f) * 2 ** (7 * i)
      if (b < 0x80) return value
    }
    if (buf.byteLength >= maxPrefix) {
      const err = new Error(`length prefix longer than ${maxPrefix} bytes`)
      err.name = 'InvalidDataLengthError'
      throw err
    }
    throw new RangeError('length prefix incomplete')
  }
  return Object.assign(decode, { bytes: 0 })
}

export async function serveStream(stream: Stream, opts: ServeOptions): Promise<void> {
  const lp = lpStream(stream, {
    maxDataLength: opts.maxFrameBytes,
    lengthDecoder: boundedLength(opts.maxFrameBytes),
  })
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
