/** Unsigned-varint length prefixes, shared by every protocol that batches frames into one send or reads them back. */

function writeVarint(n: number, out: Uint8Array, offset: number): number {
  while (n > 0x7f) {
    out[offset++] = (n & 0x7f) | 0x80
    n >>>= 7
  }
  out[offset++] = n
  return offset
}

function varintLength(n: number): number {
  let len = 1
  while (n > 0x7f) {
    n >>>= 7
    len++
  }
  return len
}

/**
 * Hands `each` the frames a length-prefix decoder completes from one received chunk, in order.
 * The chunk is fed in slices of at most `maxFrameBytes`, so the decoder's buffer bound applies
 * to what is pending, not to how much the muxer happened to deliver at once. Throws what the
 * decoder throws (an oversize or over-long prefix: the stream cannot be resynchronised), after
 * handing over the frames before it.
 */
export function decodeChunk(
  decoder: { decode(bytes: Uint8Array): Iterable<{ subarray(): Uint8Array }> },
  bytes: Uint8Array,
  maxFrameBytes: number,
  each: (frame: Uint8Array) => void,
): void {
  for (let i = 0; i < bytes.length; i += maxFrameBytes) {
    for (const f of decoder.decode(bytes.subarray(i, i + maxFrameBytes))) each(f.subarray())
  }
}

/** Length-prefixes and concatenates encoded frames into one buffer (one stream `send`). */
export function packFrames(frames: readonly Uint8Array[]): Uint8Array {
  let total = 0
  for (const f of frames) total += varintLength(f.length) + f.length
  const out = new Uint8Array(total)
  let offset = 0
  for (const f of frames) {
    offset = writeVarint(f.length, out, offset)
    out.set(f, offset)
    offset += f.length
  }
  return out
}

/**
 * The inverse of packFrames over one buffer: the frames it holds, as views into it. Throws a
 * RangeError for a truncated frame, an over-long varint or a frame over `maxFrameBytes`.
 */
export function unpackFrames(bytes: Uint8Array, maxFrameBytes: number): Uint8Array[] {
  const frames: Uint8Array[] = []
  let offset = 0
  while (offset < bytes.length) {
    let length = 0
    let shift = 0
    for (;;) {
      if (offset >= bytes.length) throw new RangeError('truncated length prefix')
      if (shift > 28) throw new RangeError('length prefix too long')
      const b = bytes[offset++]
      length += (b & 0x7f) * 2 ** shift
      if (b < 0x80) break
      shift += 7
    }
    if (length > maxFrameBytes) throw new RangeError(`frame of ${length} bytes is over ${maxFrameBytes}`)
    if (offset + length > bytes.length) throw new RangeError('truncated frame')
    frames.push(bytes.subarray(offset, offset + length))
    offset += length
  }
  return frames
}
