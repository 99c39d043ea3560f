/**
 * Messaging between two in-process libp2p hosts holding registry-issued certificates:
 * delivery and cumulative acks, order under pipelining, queueing while the receiver is
 * unreachable, and the Hello's binding of certificate to connection key.
 */
import assert from 'node:assert/strict'
import { multiaddr } from '@multiformats/multiaddr'
import { MSG_PROTOCOL } from '../../../../gateway/messaging/constants.js'
import { FrameWriter, readFrames } from '../../../../gateway/messaging/framing.js'
import { decodeFrame, helloFrame } from '../../../../gateway/messaging/hello.js'
import { plaintextSigned, sealers } from '../../../../gateway/messaging/sealer.js'
import { type Messaging, messaging } from '../../../../gateway/messaging/service.js'
import { createHost, type Host } from '../../../../gateway/p2p/host.js'
import { pino } from 'pino'
import { MemoryStore } from '../../../../lib/store/index.js'
import { issuer, type TestNode, testNode } from './fixtures.js'

interface Peer {
  node: TestNode
  host: Host
  msg: Messaging
  got: string[]
}

const text = (s: string) => new TextEncoder().encode(s)

describe('gateway/messaging service between two libp2p hosts', function () {
  this.timeout(30_000)
  const by = issuer()
  const peers: Peer[] = []
  after(async () => {
    for (const p of peers) {
      await p.msg.stop()
      await p.host.stop()
    }
  })

  async function peer(node?: TestNode, addrs: Map<string, string> = new Map()): Promise<Peer> {
    node ??= await testNode(by)
    const host = await createHost({
      privateKey: node.privateKey,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      dht: false,
    })
    const got: string[] = []
    const msg = messaging({ retryMaxMs: 300, maxQueued: 10_000, plaintextByDefault: false })({
      host,
      store: new MemoryStore().sublevel('msg'),
      self: () => node.self,
      issuers: [by.publicKey],
      sealers: sealers(plaintextSigned(node.signer)),
      connect: async (nodeId, opts) => {
        const addr = addrs.get(nodeId)
        if (addr === undefined) throw new Error('unknown node')
        const conn = await host.dial(multiaddr(addr), { signal: opts.signal })
        const stream = await conn.newStream(MSG_PROTOCOL, { signal: opts.signal })
        return { stream, remoteKey: conn.remotePeer.publicKey!.raw, remotePeer: conn.remotePeer.toString() }
      },
      recipient: async (nodeId) => ({ nodeId }),
      learned: () => {},
      log: pino({ level: 'silent' }),
    })
    await msg.start()
    msg.onMessage((m) => got.push(`${m.seq}:${m.text}`))
    const p = { node, host, msg, got }
    peers.push(p)
    return p
  }

  const addrOf = (p: Peer) => p.host.getMultiaddrs()[0].toString()

  it('delivers and acknowledges; pipelined messages arrive once each, in order', async () => {
    const routes = new Map<string, string>()
    const alice = await peer(undefined, routes)
    const bob = await peer()
    routes.set(bob.node.self.nodeId, addrOf(bob))
    const first = await alice.msg.send(bob.node.self.nodeId, text('hi'), { plaintext: true })
    assert.equal(first.seq, 1n)
    assert.equal(first.mode, 'plaintext')
    await first.acked
    assert.deepEqual(bob.got, ['1:hi'])
    const sent = await Promise.all(
      Array.from({ length: 2000 }, (_, i) =>
        alice.msg.send(bob.node.self.nodeId, text(`m${i}`), { plaintext: true }),
      ),
    )
    await Promise.all(sent.map((s) => s.acked))
    assert.equal(bob.got.length, 2001)
    assert.deepEqual(bob.got.slice(1, 4), ['2:m0', '3:m1', '4:m2'])
    assert.equal(bob.got.at(-1), '2001:m1999')
    const a = alice.msg.status()
    assert.equal(a.sent, 2001)
    assert.equal(a.delivered, 2001)
    assert.equal(a.queued, 0)
    assert.deepEqual(a.plaintext, { sent: 2001, received: 0 })
    const b = bob.msg.status()
    assert.equal(b.received, 2001)
    assert.deepEqual(b.rejected, {})
    assert.equal(bob.msg.recent().length, 100, 'the ring keeps the last 100')
    assert.equal(bob.msg.recent()[0].plaintext, true)
  })

  it('without plaintext and with no encrypted mode, send refuses instead of downgrading', async () => {
    const alice = await peer()
    await assert.rejects(alice.msg.send('b'.repeat(64), text('x')), /encrypted messaging is not available/)
    await assert.rejects(alice.msg.send('nope', text('x'), { plaintext: true }), /64 lowercase hex/)
    await assert.rejects(
      alice.msg.send(alice.node.self.nodeId, text('x'), { plaintext: true }),
      /does not send messages to itself/,
    )
  })

  it('queues while the receiver is unreachable and delivers once it is', async () => {
    const routes = new Map<string, string>()
    const alice = await peer(undefined, routes)
    const bobNode = await testNode(by)
    const s = await alice.msg.send(bobNode.self.nodeId, text('later'), { plaintext: true })
    await new Promise((r) => setTimeout(r, 400))
    const link = alice.msg.status().links[0]
    assert.equal(link.queued, 1)
    assert.match(link.lastError ?? '', /unknown node/)
    const bob = await peer(bobNode)
    routes.set(bobNode.self.nodeId, addrOf(bob))
    await s.acked
    assert.deepEqual(bob.got, ['1:later'])
  })

  it("refuses a Hello whose certificate is not the connection's key, and an untrusted issuer", async () => {
    const bob = await peer()
    const mallory = await testNode(by)
    const outsider = await testNode(issuer())
    for (const [cert, code] of [
      [bob.node.self, 'KEY_MISMATCH'], // a real certificate, but not Mallory's key
      [outsider.self, 'UNTRUSTED_CERTIFICATE'],
    ] as const) {
      const host = await createHost({ privateKey: mallory.privateKey, listen: [], dht: false })
      const stream = await host.dialProtocol(multiaddr(addrOf(bob)), MSG_PROTOCOL)
      await new FrameWriter(stream).write([helloFrame(cert)])
      const reply = await readFrames(stream).next()
      assert.equal(decodeFrame(reply.value as Uint8Array).refusal?.code, code)
      await host.stop()
    }
    assert.equal(bob.msg.status().rejected.key_mismatch, 1)
    assert.equal(bob.msg.status().rejected.untrusted_certificate, 1)
  })
})
