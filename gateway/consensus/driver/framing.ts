/**
 * Length-prefixed frames on a libp2p stream: a reader that hands over raw frames (bounded, so a
 * bad length prefix ends the stream instead of buffering forever) and a writer that packs all
 * frames queued in one microtask into one `stream.send`, waiting for drain when asked to.
 */
import type { Stream } from '@libp2p/interface'
import { LengthPrefixedDecoder } from '@libp2p/utils'
import { MAX_FRAME_BYTES, MAX_QUEUED_BYTES } from './constants.js'
import { drained } from '../../p2p/drain.js'
import { decodeChunk, packFrames } from '../../p2p/frames.js'

export class FrameTooLarge extends Error {
  override name = 'FrameTooLarge'
}

/**
 * Hands each frame to `onFrame` as its bytes arrive, from the stream's own message events: an
 * async-iterator reader (the stream's iterator, then a generator over it) costs a few promise
 * turns per message, which every vote of every height pays on every validator. Resolves when
 * the stream ends or the remote closes its side; rejects with FrameTooLarge on an oversize
 * length prefix (the caller aborts the stream: it cannot be resynchronised), and with what
 * `onFrame` throws (no further frames are handed over).
 */
export function consumeFrames(
  stream: Stream,
  onFrame: (frame: Uint8Array) => void,
  maxFrameBytes = MAX_FRAME_BYTES,
): Promise<void> {
  if (stream.readStatus !== 'readable' && stream.readStatus !== 'paused') return Promise.resolve()
  const decoder = new LengthPrefixedDecoder({
    maxDataLength: maxFrameBytes,
    maxBufferSize: 2 * maxFrameBytes,
  })
  return new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      stream.removeEventListener('message', onMessage)
      stream.removeEventListener('close', onClose)
      stream.removeEventListener('remoteCloseWrite', onEnd)
      if (err === undefined) resolve()
      else reject(err)
    }
    const onMessage = (evt: { data: Uint8Array | { subarray(): Uint8Array } }) => {
      const frames: Uint8Array[] = []
      try {
        decodeChunk(decoder, evt.data.subarray(), maxFrameBytes, (f) => frames.push(f))
      } catch (err) {
        done(new FrameTooLarge((err as Error).message))
        return
      }
      try {
        for (const f of frames) onFrame(f)
      } catch (err) {
        // Thrown into the stream's event dispatch it would be an uncaught exception: end here.
        done(err as Error)
      }
    }
    const onClose = (evt: { error?: Error }) => done(evt.error)
    const onEnd = () => done()
    stream.addEventListener('message', onMessage)
    stream.addEventListener('close', onClose)
    stream.addEventListener('remoteCloseWrite', onEnd)
  })
}

/**
 * Queues frames and sends them together at the end of the current microtask run: the messages
 * of one consensus step (and everything else produced synchronously with them) cost one Yamux
 * frame. Past MAX_QUEUED_BYTES the peer is not keeping up: `onOverflow` resets the stream.
 */
export class FrameWriter {
  readonly #stream: Stream
  readonly #onOverflow: () => void
  #queue: Uint8Array[] = []
  #queued = 0
  #scheduled = false
  #draining = false

  constructor(stream: Stream, onOverflow: () => void) {
    this.#stream = stream
    this.#onOverflow = onOverflow
  }

  get open(): boolean {
    return this.#stream.status === 'open' && this.#stream.writeStatus === 'writable'
  }

  write(frame: Uint8Array): void {
    if (!this.open) return
    this.#queue.push(frame)
    this.#queued += frame.length
    if (this.#queued > MAX_QUEUED_BYTES) {
      this.#queue = []
      this.#queued = 0
      this.#onOverflow()
      return
    }
    if (this.#scheduled || this.#draining) return
    this.#scheduled = true
    queueMicrotask(() => this.#flush())
  }

  #flush(): void {
    this.#scheduled = false
    if (this.#queue.length === 0 || !this.open) return
    if (this.#stream.writableNeedsDrain) {
      this.#draining = true
      drained(this.#stream).then(
        () => {
          this.#draining = false
          this.#flush()
        },
        () => {
          this.#draining = false
        },
      )
      return
    }
    const frames = this.#queue
    this.#queue = []
    this.#queued = 0
    try {
      this.#stream.send(packFrames(frames))
    } catch {
      // The stream closed under us; the link notices and reconnects.
    }
  }
}
