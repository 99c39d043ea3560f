/**
 * Length-prefixed Frames on a libp2p stream, both ways at once: a reader that yields decoded
 * Frames and a writer that packs many frames into one `stream.send` (one Yamux data frame,
 * one syscall), waiting for drain when the stream says so. A bad length prefix, or a frame
 * over MAX_FRAME_BYTES, ends the reader with FrameTooLarge; the caller answers and closes.
 */
import type { Stream } from '@libp2p/interface'
import { LengthPrefixedDecoder } from '@libp2p/utils'
import type { Uint8ArrayList } from 'uint8arraylist'
import { MAX_FRAME_BYTES } from './constants.js'
import { Frame } from './messaging.pb.js'
import { drained } from '../p2p/drain.js'
import { decodeChunk, packFrames } from '../p2p/frames.js'

export class FrameTooLarge extends Error {
  override name = 'FrameTooLarge'
}

/** Decoded frames waiting for the consumer before the stream is paused (flow control). */
const MAX_PENDING_BYTES = 1024 * 1024

/**
 * Raw frames (exact bytes) from the stream until it ends. The stream is paused while more
 * than MAX_PENDING_BYTES of frames wait, so a fast or hostile sender is held back by Yamux
 * flow control instead of filling memory (iterating a libp2p 3 stream buffers without bound).
 */
export async function* readFrames(
  stream: Stream,
  maxFrameBytes = MAX_FRAME_BYTES,
): AsyncGenerator<Uint8Array> {
  const decoder = new LengthPrefixedDecoder({
    maxDataLength: maxFrameBytes,
    // An over-long varint never decodes, so without this bound the buffer would grow forever.
    maxBufferSize: 4 * maxFrameBytes,
  })
  const frames: Uint8Array[] = []
  let head = 0
  let pending = 0
  let failure: Error | undefined
  let done = false
  let wake: (() => void) | undefined
  const onMessage = (evt: Event) => {
    const bytes = (evt as Event & { data: Uint8Array | Uint8ArrayList }).data.subarray()
    try {
      decodeChunk(decoder, bytes, maxFrameBytes, (frame) => {
        frames.push(frame)
        pending += frame.length
      })
    } catch (err) {
      failure ??= new FrameTooLarge((err as Error).message)
    }
    if (pending > MAX_PENDING_BYTES && stream.readStatus === 'readable') stream.pause()
    wake?.()
  }
  const onEnd = () => {
    done = true
    wake?.()
  }
  stream.addEventListener('message', onMessage)
  stream.addEventListener('end', onEnd)
  stream.addEventListener('close', onEnd)
  try {
    for (;;) {
      if (head < frames.length) {
        const frame = frames[head]
        frames[head++] = EMPTY
        pending -= frame.length
        if (head > 1024 && head * 2 > frames.length) {
          frames.splice(0, head)
          head = 0
        }
        if (stream.readStatus === 'paused' && pending < MAX_PENDING_BYTES / 2) stream.resume()
        yield frame
        continue
      }
      if (failure !== undefined) throw failure
      if (done || stream.readableEnded || stream.readStatus === 'closed' || stream.status === 'closed') return
      if (stream.status === 'reset' || stream.status === 'aborted') return
      await new Promise<void>((resolve) => {
        wake = resolve
      })
      wake = undefined
    }
  } finally {
    stream.removeEventListener('message', onMessage)
    stream.removeEventListener('end', onEnd)
    stream.removeEventListener('close', onEnd)
  }
}

const EMPTY = new Uint8Array(0)

/** Writes frames in order, one `send` per call; waits for drain first when the stream needs it. */
export class FrameWriter {
  readonly #stream: Stream
  #chain: Promise<void> = Promise.resolve()

  constructor(stream: Stream) {
    this.#stream = stream
  }

  write(frames: Uint8Array[]): Promise<void> {
    const run = async () => {
      if (this.#stream.writableNeedsDrain) await drained(this.#stream)
      if (this.#stream.status !== 'open') throw new Error(`stream is ${this.#stream.status}`)
      this.#stream.send(packFrames(frames))
    }
    const result = this.#chain.then(run)
    this.#chain = result.catch(() => {})
    return result
  }

  /** Resolves when every write asked for so far has been handed to the stream (or failed). */
  idle(): Promise<void> {
    return this.#chain
  }

  /** Writes one Frame object. */
  frame(frame: Frame): Promise<void> {
    return this.write([Frame.encode(frame)])
  }
}
