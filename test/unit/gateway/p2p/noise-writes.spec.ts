/**
 * One socket write per Noise send (gateway/p2p/noise-writes.ts): two real hosts over TCP +
 * Noise + Yamux on loopback exchange requests of many sizes; every reply arrives intact, and
 * each small frame leaves in one `socket.write` where the library's pieces took two or more.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { Socket } from 'node:net'
import { oneWriteInstalled } from '../../../../gateway/p2p/noise-writes.js'
import { RpcStream, serveStream } from '../../../../gateway/p2p/rpc.js'
import { logger } from '../../../../lib/log.js'
import { freshHost } from '../../../helpers/p2p.js'

const PROTOCOL = '/xlattice/test-echo/1.0.0'

/** Counts `socket.write` calls made in this process while `f` runs. */
async function socketWrites(f: () => Promise<void>): Promise<number> {
  const original = Socket.prototype.write
  let writes = 0
  Socket.prototype.write = function (this: Socket, ...args: unknown[]) {
    writes++
    return (original as (...a: unknown[]) => boolean).apply(this, args)
  } as typeof original
  try {
    await f()
  } finally {
    Socket.prototype.write = original
  }
  return writes
}

describe('Noise sends leave in one socket write', function () {
  this.timeout(20_000)
  let a: Awaited<ReturnType<typeof freshHost>>
  let b: Awaited<ReturnType<typeof freshHost>>
  let rpc: RpcStream

  before(async () => {
    a = await freshHost()
    b = await freshHost()
    await b.handle(PROTOCOL, (stream) =>
      serveStream(stream, {
        maxFrameBytes: 8 << 20,
        idleMs: 60_000,
        log: logger('test:echo'),
        handle: async (frame) => frame,
        oversize: () => new Uint8Array(),
      }),
    )
    rpc = new RpcStream(await a.dialProtocol(b.getMultiaddrs()[0], PROTOCOL), 8 << 20)
  })

  after(async () => {
    await a?.stop()
    await b?.stop()
  })

  it('installs itself on the first secured connection', () => {
    assert.equal(oneWriteInstalled(), true)
  })

  it('delivers every byte, across Noise message and Yamux window boundaries', async () => {
    for (const size of [1, 200, 65_519, 65_520, 200_000, 3_000_000]) {
      const request = randomBytes(size)
      assert.deepEqual(Buffer.from(await rpc.request(request)), request, `${size} bytes`)
    }
  })

  it('writes each small frame to the socket once', async () => {
    const requests = 200
    const writes = await socketWrites(async () => {
      for (let i = 0; i < requests; i++) {
        const request = randomBytes(200)
        assert.deepEqual(Buffer.from(await rpc.request(request)), request)
      }
    })
    // A request and its reply are one Yamux data frame each (and now and then a window update):
    // 400 writes for 200 round trips with the patch, 800 without (each Noise message's length
    // and its ciphertext written separately).
    assert.ok(writes <= requests * 2.5, `${writes} socket writes for ${requests} round trips`)
  })
})
