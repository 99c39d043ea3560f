/**
 * Length-prefixed decoding without an exception per chunk (gateway/p2p/prefix-decoder.ts):
 * the same frames come out however the bytes are split, the library's limits and errors stay,
 * and a chunk that ends on a frame boundary no longer constructs a RangeError.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { LengthPrefixedDecoder } from '@libp2p/utils'
import { cheapEmptyStop } from '../../../../gateway/p2p/prefix-decoder.js'

/** Noise's length decoder (@chainsafe/libp2p-noise encoder.ts), which throws when short. */
function uint16BE(data: { byteLength: number; get?(i: number): number } & ArrayLike<number>): number {
  if (data.byteLength < 2) throw RangeError('Could not decode int16BE')
  const at = (i: number) => (data instanceof Uint8Array ? data[i] : data.get!(i))
  return (at(0) << 8) + at(1)
}

const noiseDecoder = () =>
  new LengthPrefixedDecoder({
    lengthDecoder: uint16BE as never,
    maxBufferSize: 16 * 1024 * 1024,
    maxDataLength: 1000,
    encodingLength: () => 2,
  })

function framed(payloads: Uint8Array[]): Uint8Array {
  return Buffer.concat(payloads.flatMap((p) => [Buffer.from([p.length >> 8, p.length & 255]), p]))
}

/** Counts RangeErrors constructed (with or without `new`) while `f` runs. */
function rangeErrorsMade(f: () => void): number {
  const original = globalThis.RangeError
  let made = 0
  globalThis.RangeError = new Proxy(original, {
    construct(target, args) {
      made++
      return Reflect.construct(target, args)
    },
    apply(target, self, args) {
      made++
      return Reflect.apply(target, self, args)
    },
  })
  try {
    f()
  } finally {
    globalThis.RangeError = original
  }
  return made
}

describe('length-prefixed decoding without an exception per chunk', () => {
  it('is installed by importing the module', () => {
    assert.equal(cheapEmptyStop, true)
  })

  it('yields the same frames however the stream is split, for fixed and varint prefixes', () => {
    const payloads = Array.from({ length: 200 }, (_, i) => randomBytes(1 + ((i * 37) % 700)))
    const wire = framed(payloads)
    for (const step of [1, 2, 3, 7, 64, 1000, wire.length]) {
      const d = noiseDecoder()
      const out: Buffer[] = []
      for (let i = 0; i < wire.length; i += step)
        for (const f of d.decode(wire.subarray(i, i + step))) out.push(Buffer.from(f.subarray()))
      assert.deepEqual(
        out,
        payloads.map((p) => Buffer.from(p)),
        `split every ${step} bytes`,
      )
    }
    const varint = new LengthPrefixedDecoder()
    const out: Buffer[] = []
    const big = randomBytes(300)
    for (const chunk of [Uint8Array.of(0xac), Uint8Array.of(0x02), big.subarray(0, 100), big.subarray(100)])
      for (const f of varint.decode(chunk)) out.push(Buffer.from(f.subarray()))
    assert.deepEqual(out, [big])
  })

  it("keeps the library's limits and errors", () => {
    const d = noiseDecoder()
    assert.throws(() => [...d.decode(Uint8Array.of(0x0f, 0xff, 1))], /Invalid message length/)
    const small = new LengthPrefixedDecoder({ maxBufferSize: 10 })
    assert.throws(() => [...small.decode(new Uint8Array(11))], /Buffer length limit exceeded/)
  })

  it('a chunk that ends on a frame boundary constructs no RangeError', () => {
    const d = noiseDecoder()
    const chunk = framed([randomBytes(200)])
    const made = rangeErrorsMade(() => {
      for (let i = 0; i < 100; i++) for (const f of d.decode(chunk)) assert.equal(f.byteLength, 200)
    })
    assert.equal(made, 0)
  })
})
