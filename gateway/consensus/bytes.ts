/**
 * Minimal big-endian writer and bounds-checked reader for the canonical consensus encoding.
 * The reader throws `Malformed` internally; the codec catches it at its boundary and returns an
 * error value, so no exported decoder ever throws on input.
 */

export class Malformed extends Error {}

const TWO_32 = 2 ** 32

export class Writer {
  #buf: Uint8Array
  #view: DataView
  #len = 0

  constructor(capacity = 256) {
    this.#buf = new Uint8Array(capacity)
    this.#view = new DataView(this.#buf.buffer)
  }

  #ensure(n: number): void {
    if (this.#len + n <= this.#buf.length) return
    let size = this.#buf.length * 2
    while (size < this.#len + n) size *= 2
    const next = new Uint8Array(size)
    next.set(this.#buf.subarray(0, this.#len))
    this.#buf = next
    this.#view = new DataView(next.buffer)
  }

  u8(v: number): this {
    this.#ensure(1)
    this.#view.setUint8(this.#len, v)
    this.#len += 1
    return this
  }

  u16(v: number): this {
    this.#ensure(2)
    this.#view.setUint16(this.#len, v)
    this.#len += 2
    return this
  }

  u32(v: number): this {
    this.#ensure(4)
    this.#view.setUint32(this.#len, v)
    this.#len += 4
    return this
  }

  i32(v: number): this {
    this.#ensure(4)
    this.#view.setInt32(this.#len, v)
    this.#len += 4
    return this
  }

  /** A non-negative safe integer as u64. */
  u64(v: number): this {
    this.#ensure(8)
    this.#view.setUint32(this.#len, Math.floor(v / TWO_32))
    this.#view.setUint32(this.#len + 4, v % TWO_32)
    this.#len += 8
    return this
  }

  u64big(v: bigint): this {
    this.#ensure(8)
    this.#view.setBigUint64(this.#len, v)
    this.#len += 8
    return this
  }

  raw(bytes: Uint8Array): this {
    this.#ensure(bytes.length)
    this.#buf.set(bytes, this.#len)
    this.#len += bytes.length
    return this
  }

  /** u32 length prefix, then the bytes. */
  varBytes(bytes: Uint8Array): this {
    return this.u32(bytes.length).raw(bytes)
  }

  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len)
  }
}

export class Reader {
  readonly #bytes: Uint8Array
  readonly #view: DataView
  pos = 0

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  #need(n: number): void {
    if (this.pos + n > this.#bytes.length) throw new Malformed('truncated')
  }

  u8(): number {
    this.#need(1)
    return this.#view.getUint8(this.pos++)
  }

  u16(): number {
    this.#need(2)
    const v = this.#view.getUint16(this.pos)
    this.pos += 2
    return v
  }

  u32(): number {
    this.#need(4)
    const v = this.#view.getUint32(this.pos)
    this.pos += 4
    return v
  }

  i32(): number {
    this.#need(4)
    const v = this.#view.getInt32(this.pos)
    this.pos += 4
    return v
  }

  /** A u64 that must fit a safe integer (heights). */
  u64(): number {
    this.#need(8)
    const hi = this.#view.getUint32(this.pos)
    const lo = this.#view.getUint32(this.pos + 4)
    if (hi >= 2 ** 21) throw new Malformed('integer out of range')
    this.pos += 8
    return hi * TWO_32 + lo
  }

  u64big(): bigint {
    this.#need(8)
    const v = this.#view.getBigUint64(this.pos)
    this.pos += 8
    return v
  }

  /** Exactly n bytes, as a view into the input (never re-encoded). */
  fixed(n: number): Uint8Array {
    this.#need(n)
    const out = this.#bytes.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  varBytes(max: number): Uint8Array {
    const n = this.u32()
    if (n > max) throw new Malformed('length over limit')
    return this.fixed(n)
  }

  get remaining(): number {
    return this.#bytes.length - this.pos
  }

  end(): void {
    if (this.pos !== this.#bytes.length) throw new Malformed('trailing bytes')
  }
}
