/** Unsigned-varint length prefixes, shared by every protocol that batches frames into one send. */

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
