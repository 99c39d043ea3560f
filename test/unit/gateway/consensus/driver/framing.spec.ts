/**
 * The consensus transport's frame reader (gateway/consensus/driver/framing.ts `consumeFrames`)
 * over two real libp2p hosts: frames split across and packed into stream messages arrive whole
 * and in order, the remote closing its side ends the read, an oversize length prefix and a
 * throwing handler end it with an error instead of escaping into the stream's event dispatch.
 */
import assert from 'node:assert/strict'
import type { Stream } from '@libp2p/interface'
import { consumeFrames, FrameTooLarge } from '../../../../../gateway/consensus/driver/framing.js'
import { packFrames } from '../../../../../gateway/p2p/frames.js'
import { freshHost } from '../../../../helpers/p2p.js'
import { rng } from '../../../../helpers/rng.js'

const PROTOCOL = '/xlattice/test-frames/1.0.0'

/** A length prefix (unsigned varint) and its frame. */
const framed = (frame: Uint8Array) => packFrames([frame])

describe('consensus transport: frames from stream messages', function () {
  this.timeout(20_000)
  let a: Awaited<ReturnType<typeof freshHost>>
  let b: Awaited<ReturnType<typeof freshHost>>
  let accepted: (stream: Stream) => void

  before(async () => {
    a = await freshHost()
    b = await freshHost()
    await b.handle(PROTOCOL, (stream) => accepted(stream))
  })

  after(async () => {
    await a?.stop()
    await b?.stop()
  })

  /** A fresh stream from a to b: the sending end and the receiving one. */
  async function pair(): Promise<{ out: Stream; into: Stream }> {
    const into = new Promise<Stream>((resolve) => {
      accepted = resolve
    })
    const out = await a.dialProtocol(b.getMultiaddrs()[0], PROTOCOL)
    return { out, into: await into }
  }

  it('hands over every frame whole and in order, however the bytes are cut', async () => {
    const r = rng(42)
    const frames = Array.from({ length: 300 }, (_, i) => r.bytes(i % 7 === 0 ? 20_000 : 1 + r.int(300)))
    const wire = packFrames(frames)
    const { out, into } = await pair()
    const got: Uint8Array[] = []
    const reading = consumeFrames(into, (f) => got.push(Uint8Array.from(f)))
    // Cut points anywhere, length prefixes included; several frames in one piece, too.
    for (let i = 0; i < wire.length; ) {
      const n = 1 + r.int(r.int(4) === 0 ? 40_000 : 500)
      out.send(wire.subarray(i, i + n))
      i += n
    }
    await out.close()
    await reading
    assert.equal(got.length, frames.length)
    for (let i = 0; i < frames.length; i++) assert.deepEqual(got[i], frames[i], `frame ${i}`)
  })

  it('ends with FrameTooLarge on an oversize length prefix, after the frames before it', async () => {
    const { out, into } = await pair()
    const got: Uint8Array[] = []
    const reading = consumeFrames(into, (f) => got.push(f), 1024)
    out.send(framed(new Uint8Array(10)))
    out.send(framed(new Uint8Array(5000)))
    await assert.rejects(reading, FrameTooLarge)
    assert.equal(got.length, 1)
    out.abort(new Error('test done'))
  })

  it('ends with what a handler throws, which never escapes into the stream', async () => {
    const { out, into } = await pair()
    let calls = 0
    const reading = consumeFrames(into, () => {
      calls++
      throw new Error('handler broke')
    })
    out.send(packFrames([new Uint8Array(3), new Uint8Array(4)]))
    await assert.rejects(reading, /handler broke/)
    assert.equal(calls, 1, 'no frame after the throw')
    out.abort(new Error('test done'))
  })

  it('ends when the stream is reset, and at once on a stream already closed', async () => {
    const { out, into } = await pair()
    const reading = consumeFrames(into, () => {})
    out.abort(new Error('gone'))
    await reading.catch(() => {})
    await consumeFrames(into, () => assert.fail('no frames from a closed stream'))
  })
})
