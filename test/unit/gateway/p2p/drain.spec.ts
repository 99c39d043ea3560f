/**
 * `drained()` (gateway/p2p/drain.ts) between two real hosts: it waits while the peer does not
 * read, every time, and resolves once the peer reads again. (@libp2p/utils 7.4's
 * `stream.onDrain()` resolves at once from the second drain on: a writer looping on it spun.)
 */
import assert from 'node:assert/strict'
import type { Stream } from '@libp2p/interface'
import { drained } from '../../../../gateway/p2p/drain.js'
import type { Host } from '../../../../gateway/p2p/host.js'
import { freshHost } from '../../../helpers/p2p.js'

const PROTOCOL = '/xlattice/test-drain/1.0.0'

function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([
    p.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((r) => setTimeout(() => r(false), ms)),
  ])
}

describe('waiting for a stream to drain', function () {
  this.timeout(20_000)
  let a: Host
  let b: Host
  let inbound: Stream | undefined

  before(async () => {
    a = await freshHost()
    b = await freshHost()
    await b.handle(PROTOCOL, (stream: Stream) => {
      inbound = stream
      stream.addEventListener('message', () => {})
      stream.pause()
    })
  })

  after(async () => {
    await a?.stop()
    await b?.stop()
  })

  async function fill(out: Stream): Promise<void> {
    const chunk = new Uint8Array(64 * 1024)
    for (let i = 0; i < 10_000 && !out.writableNeedsDrain; i++) {
      out.send(chunk)
      await new Promise((r) => setImmediate(r))
    }
    assert.ok(out.writableNeedsDrain, 'the sender met backpressure')
  }

  it('waits while the peer does not read, again after a first drain, and resolves when it reads', async () => {
    const out = await a.dialProtocol(b.getMultiaddrs()[0], PROTOCOL)
    for (let round = 1; round <= 2; round++) {
      await fill(out)
      const wait = drained(out)
      assert.equal(await settlesWithin(wait, 300), false, `round ${round}: no drain while the peer is paused`)
      inbound?.resume()
      await wait
      assert.equal(out.writableNeedsDrain, false)
      inbound?.pause()
    }
    out.abort(new Error('done'))
  })

  it('rejects when the stream closes while waiting', async () => {
    const out = await a.dialProtocol(b.getMultiaddrs()[0], PROTOCOL)
    await fill(out)
    const wait = drained(out)
    out.abort(new Error('gone'))
    await assert.rejects(wait)
    await assert.rejects(drained(out), /stream is/)
  })
})
