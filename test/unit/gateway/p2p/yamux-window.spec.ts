/**
 * Yamux window updates once half the receive window is consumed (gateway/p2p/yamux-window.ts),
 * between two real hosts on 127.0.0.1: small frames go unanswered, a large transfer still
 * flows (the sender is never starved of credit), and the sender sees its credit come back.
 */
import assert from 'node:assert/strict'
import type { Stream } from '@libp2p/interface'
import type { Host } from '../../../../gateway/p2p/host.js'
import { freshHost } from '../../../helpers/p2p.js'
import { halfWindowUpdates } from '../../../../gateway/p2p/yamux-window.js'

const PROTOCOL = '/xlattice/test-window/1.0.0'

interface WindowView {
  recvWindow: number
  recvWindowCapacity: number
  sendWindowCapacity: number
}

function view(stream: Stream): WindowView {
  const s = stream as unknown as Partial<WindowView>
  assert.equal(typeof s.recvWindowCapacity, 'number', 'the stream is a YamuxStream')
  return s as WindowView
}

describe('yamux half-window updates', function () {
  this.timeout(20_000)
  let a: Host
  let b: Host
  const received: Stream[] = []
  let bytesIn = 0

  before(async () => {
    a = await freshHost()
    b = await freshHost()
    await b.handle(PROTOCOL, (stream: Stream) => {
      received.push(stream)
      stream.addEventListener('message', (e) => {
        bytesIn += e.data.byteLength
      })
    })
  })

  after(async () => {
    await a?.stop()
    await b?.stop()
  })

  async function until(check: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 10_000
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
      await new Promise((r) => setTimeout(r, 5))
    }
  }

  it('is installed', () => {
    assert.equal(halfWindowUpdates, true)
  })

  it('sends no window update for small frames, and one once half the window is used', async () => {
    bytesIn = 0
    const out = await a.dialProtocol(b.getMultiaddrs()[0], PROTOCOL)
    const frame = new Uint8Array(1000)
    for (let i = 0; i < 50; i++) out.send(frame)
    await until(() => bytesIn >= 50_000 && received.length > 0, '50 frames')
    const inbound = view(received[received.length - 1])
    // Without the rule every data frame is answered and the capacity is back at the window.
    assert.ok(
      inbound.recvWindow - inbound.recvWindowCapacity >= 40_000,
      `receiver holds back its update (capacity ${inbound.recvWindowCapacity} of ${inbound.recvWindow})`,
    )
    const sender = view(out)
    const window = inbound.recvWindow
    // A transfer of several windows completes: the sender's credit keeps coming back.
    const big = new Uint8Array(16_000)
    const total = 50_000 + 40 * window
    let sent = 50_000
    while (sent < total) {
      if (!out.send(big)) await new Promise((r) => out.addEventListener('drain', r, { once: true }))
      sent += big.byteLength
    }
    await until(() => bytesIn >= sent, `${sent} bytes`)
    assert.ok(sender.sendWindowCapacity > 0, 'the sender has credit left')
    await out.close()
  })
})
