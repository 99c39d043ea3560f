/**
 * Messaging between two in-process libp2p hosts holding registry-issued certificates:
 * delivery and cumulative acks, order under pipelining, queueing while the receiver is
 * unreachable, the Hello's binding of certificate to connection key, and (seed row 0.0.7)
 * encryption: SEALED outbox records, session streams, and what a receiver refuses on them.
 */
import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { type Channel, sessionInitiator } from '../../../../gateway/messaging/channel.js'
import { MSG_PROTOCOL } from '../../../../gateway/messaging/constants.js'
import { encodeEnvelope } from '../../../../gateway/messaging/envelope.js'
import { FrameWriter, readFrames } from '../../../../gateway/messaging/framing.js'
import { decodeFrame, helloFrame, messageFrame } from '../../../../gateway/messaging/hello.js'
import { Message } from '../../../../gateway/messaging/messaging.pb.js'
import { RESERVE } from '../../../../gateway/messaging/outbox.js'
import { plaintextSigned, sealedToNode, sealers } from '../../../../gateway/messaging/sealer.js'
import { type Messaging, messaging } from '../../../../gateway/messaging/service.js'
import { createHost, type Host } from '../../../../gateway/p2p/host.js'
import { DhKey, SESSION_PROTOCOL } from '../../../../gateway/session/index.js'
import { pino } from 'pino'
import { randomBytes } from '../../../../lib/crypto.js'
import { LevelStore, MemoryStore, type Store } from '../../../../lib/store/index.js'
import { tempDir } from '../../../helpers/procs.js'
import { issuer, type TestNode, testNode } from './fixtures.js'

interface Peer {
  node: TestNode
  host: Host
  msg: Messaging
  got: string[]
}

interface PeerOptions {
  /** Session keys and SEALED (default); false: plaintext only, over /xlattice/msg/1.0.0. */
  encrypted?: boolean
  store?: Store
  /** Every chunk the node writes to the streams it opens, as handed to libp2p. */
  capture?: Uint8Array[]
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

/** Whether `needle` occurs in any of the chunks, or across two neighbouring ones. */
function contains(chunks: Uint8Array[], needle: Uint8Array): boolean {
  return Buffer.concat(chunks).includes(Buffer.from(needle))
}

/** Keeps a copy of a chunk and passes it on. */
function record(into: Uint8Array[], chunk: Uint8Array): Uint8Array {
  into.push(chunk.slice())
  return chunk
}

/** Wraps stream.send so every outgoing chunk passes through `fn` (capture, tamper, replay). */
function onSend(stream: Stream, fn: (chunk: Uint8Array) => Uint8Array): void {
  const send = stream.send.bind(stream)
  stream.send = (data) => send(fn(data.subarray()))
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

  async function peer(
    node?: TestNode,
    addrs: Map<string, string> = new Map(),
    opts: PeerOptions = {},
  ): Promise<Peer> {
    node ??= await testNode(by)
    const self = node.self
    const encrypted = opts.encrypted ?? true
    const host = await createHost({
      privateKey: node.privateKey,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      dht: false,
    })
    const got: string[] = []
    const msg = messaging({ retryMaxMs: 300, maxQueued: 10_000, plaintextByDefault: false })({
      host,
      store: (opts.store ?? new MemoryStore()).sublevel('msg'),
      self: () => self,
      issuers: [by.publicKey],
      sealers: encrypted
        ? sealers(
            plaintextSigned(node.signer),
            sealedToNode(() => self, node.comms),
          )
        : sealers(plaintextSigned(node.signer)),
      session: encrypted ? { staticKey: DhKey.fromPrivate(node.comms.privateKey) } : undefined,
      connect: async (nodeId, protocol, o) => {
        const addr = addrs.get(nodeId)
        if (addr === undefined) throw new Error('unknown node')
        const conn = await host.dial(multiaddr(addr), { signal: o.signal })
        const stream = await conn.newStream(protocol, { signal: o.signal })
        const { capture } = opts
        if (capture !== undefined) onSend(stream, (c) => record(capture, c))
        return { stream, remoteKey: conn.remotePeer.publicKey!.raw, remotePeer: conn.remotePeer.toString() }
      },
      recipient: async (nodeId) => {
        const known = [...keys.values()].find((n) => n.self.nodeId === nodeId)
        return { nodeId, commsPublicKey: known?.comms.publicKey }
      },
      learned: () => {},
      log: pino({ level: 'silent' }),
    })
    await msg.start()
    msg.onMessage((m) => got.push(`${m.seq}:${m.text}`))
    const p = { node, host, msg, got }
    peers.push(p)
    keys.set(node.self.nodeId, node)
    return p
  }
  /** Certified keys of every test node, as a directory would know them. */
  const keys = new Map<string, TestNode>()

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
    const alice = await peer(undefined, new Map(), { encrypted: false })
    await assert.rejects(alice.msg.send('b'.repeat(64), text('x')), /encrypted messaging is not configured/)
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

  it('[0.0.5] a sender that crashed resumes past its reservation; the receiver takes the Skip and delivers what follows', async () => {
    const routes = new Map<string, string>()
    const store = new MemoryStore()
    const aliceNode = await testNode(by)
    let alice = await peer(aliceNode, routes, { store })
    const bob = await peer()
    const bobId = bob.node.self.nodeId
    routes.set(bobId, addrOf(bob))
    for (const t of ['one', 'two']) await (await alice.msg.send(bobId, text(t))).acked
    await new Promise((r) => setTimeout(r, 100)) // the lazily noted acks reach the store
    // Killed: the host goes and the service is never stopped, so its reservation stays spent.
    peers.splice(peers.indexOf(alice), 1)
    await alice.host.stop()
    alice = await peer(aliceNode, routes, { store })
    const resumed = 2n + RESERVE + 1n
    const three = await alice.msg.send(bobId, text('three'))
    assert.equal(three.seq, resumed, 'past every number the crashed sender may have used')
    await three.acked
    assert.deepEqual(bob.got, ['1:one', '2:two', `${resumed}:three`])
    assert.deepEqual(bob.msg.status().rejected, {})
    // The Skip was acked: a clean restart owes nothing and numbering just continues.
    await alice.msg.stop()
    peers.splice(peers.indexOf(alice), 1)
    await alice.host.stop()
    alice = await peer(aliceNode, routes, { store })
    const four = await alice.msg.send(bobId, text('four'))
    assert.equal(four.seq, resumed + 1n)
    await four.acked
    assert.equal(bob.got.at(-1), `${resumed + 1n}:four`)
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

  /** A session opened by hand, as `from`, to `to`'s session responder. */
  async function rawSession(
    from: TestNode,
    to: Peer,
  ): Promise<{ channel: Channel; stream: Stream; host: Host }> {
    const host = await createHost({ privateKey: from.privateKey, listen: [], dht: false })
    const stream = await host.dialProtocol(multiaddr(addrOf(to)), SESSION_PROTOCOL)
    const channel = await sessionInitiator(
      stream,
      from.self,
      { staticKey: DhKey.fromPrivate(from.comms.privateKey) },
      {
        remoteKey: to.node.signer.publicKey,
        remotePeer: to.host.peerId.toString(),
        to: to.node.self.nodeId,
        remoteStatic: to.node.comms.publicKey,
      },
      [by.publicKey],
    )
    return { channel, stream, host }
  }

  /** An encoded SEALED Message to `to`, sealed with `sealAs`'s key, its envelope claiming `claim`. */
  async function sealed(sealAs: TestNode, claim: TestNode, to: TestNode, seq: bigint, body: string) {
    const envelope = encodeEnvelope({
      from: claim.self.nodeIdBytes,
      to: to.self.nodeIdBytes,
      seq,
      timestamp: Date.now(),
      kind: 'text',
      payload: text(body),
    })
    const sealer = sealedToNode(() => sealAs.self, sealAs.comms)
    const recipient = { nodeId: to.self.nodeId, commsPublicKey: to.comms.publicKey }
    return Message.encode(await sealer.seal(envelope, recipient, seq))
  }

  async function refusalOn(channel: Channel): Promise<string | undefined> {
    for (;;) {
      const next = await channel.frames.next().catch(() => ({ done: true as const, value: undefined }))
      if (next.done === true) return undefined
      const frame = decodeFrame(next.value)
      if (frame.refusal !== undefined) return frame.refusal.code
    }
  }

  it('[0.0.7] encrypted by default: ciphertext in the outbox on disk and on the stream; delivered over a session', async () => {
    const dir = await tempDir('xl-msg-enc-')
    const store = await LevelStore.open(join(dir.path, 'db'))
    try {
      const routes = new Map<string, string>()
      const capture: Uint8Array[] = []
      const alice = await peer(undefined, routes, { store, capture })
      const bobNode = await testNode(by)
      keys.set(bobNode.self.nodeId, bobNode)
      // Incompressible and unique, so LevelDB's compression cannot hide a plaintext copy.
      const secret = `secret ${hex(randomBytes(24))}`
      const s = await alice.msg.send(bobNode.self.nodeId, text(secret))
      assert.deepEqual([s.mode, s.plaintext], ['sealed', false])
      // Queued for a node that cannot be reached: the outbox records on disk hold no plaintext.
      await new Promise((r) => setTimeout(r, 300))
      let files = 0
      for (const name of await readdir(join(dir.path, 'db'))) {
        const bytes = await readFile(join(dir.path, 'db', name)).catch(() => Buffer.alloc(0))
        files++
        assert.ok(!bytes.includes(Buffer.from(secret)), `plaintext found in ${name}`)
      }
      assert.ok(files > 0)
      const bob = await peer(bobNode)
      routes.set(bobNode.self.nodeId, addrOf(bob))
      await s.acked
      assert.deepEqual(bob.got, [`1:${secret}`])
      const received = bob.msg.recent()[0]
      assert.deepEqual([received.mode, received.plaintext], ['sealed', false])
      assert.equal(alice.msg.status().links[0].encrypted, true, 'a session stream, not plaintext Hellos')
      assert.ok(capture.length > 0)
      assert.ok(!contains(capture, text(secret)), 'plaintext on the stream')
      // Plaintext, asked for explicitly, still rides the session: not readable on the stream either.
      const p = await alice.msg.send(bobNode.self.nodeId, text(`${secret} (plain)`), { plaintext: true })
      await p.acked
      assert.equal(p.plaintext, true)
      assert.ok(!contains(capture, text(`${secret} (plain)`)))
      assert.deepEqual(bob.msg.status().rejected, {})
    } finally {
      await store.close()
      await dir.remove()
    }
  })

  it('[0.0.7] a flipped bit in a transport frame is refused (bad_ciphertext), so is a replayed frame; each delivered once at most', async () => {
    const bob = await peer()
    const alice = await testNode(by)
    // A flipped bit: the AEAD fails, the stream ends, nothing is delivered.
    const one = await rawSession(alice, bob)
    onSend(one.stream, (c) => {
      const flipped = c.slice()
      flipped[flipped.length - 3] ^= 0x10
      return flipped
    })
    await one.channel.write([messageFrame(await sealed(alice, alice, bob.node, 1n, 'tampered'))])
    assert.equal(await refusalOn(one.channel), 'BAD_CIPHERTEXT')
    await one.host.stop()
    assert.deepEqual(bob.got, [])

    // A replay: the same transport frame again on a live session is refused by its counter.
    const two = await rawSession(alice, bob)
    const sent: Uint8Array[] = []
    onSend(two.stream, (c) => record(sent, c))
    await two.channel.write([messageFrame(await sealed(alice, alice, bob.node, 1n, 'once'))])
    const ack = decodeFrame((await two.channel.frames.next()).value as Uint8Array)
    assert.equal(ack.ack?.seq, 1n)
    two.stream.send(sent[0])
    assert.equal(await refusalOn(two.channel), 'BAD_CIPHERTEXT')
    await two.host.stop()
    assert.deepEqual(bob.got, ['1:once'])
    assert.equal(bob.msg.status().rejected.bad_ciphertext, 2)
  })

  it('[0.0.7] a sealed body that does not open under the certified key of its NodeID is refused', async () => {
    const bob = await peer()
    const alice = await testNode(by)
    const mallory = await testNode(by)
    const { channel, host } = await rawSession(mallory, bob)
    // Mallory's session, a body sealed with Alice's key claiming Alice: not Mallory's key.
    await channel.write([messageFrame(await sealed(alice, alice, bob.node, 1n, 'forged'))])
    assert.equal(await refusalOn(channel), 'BAD_CIPHERTEXT')
    // Sealed by Mallory but claiming to come from Alice: the envelope is not from the stream's NodeID.
    await channel.write([messageFrame(await sealed(mallory, alice, bob.node, 1n, 'forged'))])
    assert.equal(await refusalOn(channel), 'FROM_MISMATCH')
    // Mallory's own message still goes through on the same session.
    await channel.write([messageFrame(await sealed(mallory, mallory, bob.node, 1n, 'honest'))])
    assert.equal(decodeFrame((await channel.frames.next()).value as Uint8Array).ack?.seq, 1n)
    await host.stop()
    assert.deepEqual(bob.got, ['1:honest'])
  })

  it("[0.0.6] a session handshake presenting a certificate that is not the connection's key is refused", async () => {
    const bob = await peer()
    const mallory = await testNode(by)
    const alice = await testNode(by)
    // Mallory's libp2p key, Alice's certificate and X25519 key: the certificate is not this connection's.
    const impostor = { ...alice, privateKey: mallory.privateKey }
    await assert.rejects(rawSession(impostor, bob))
    await eventually(() => bob.msg.status().rejected.handshake === 1)
    assert.deepEqual(bob.got, [])
  })

  it('plaintext over /xlattice/msg/1.0.0 when a node has no session keys (and the capture sees it)', async () => {
    const routes = new Map<string, string>()
    const capture: Uint8Array[] = []
    const alice = await peer(undefined, routes, { encrypted: false, capture })
    const bob = await peer()
    routes.set(bob.node.self.nodeId, addrOf(bob))
    const s = await alice.msg.send(bob.node.self.nodeId, text('hello'), { plaintext: true })
    await s.acked
    assert.deepEqual(bob.got, ['1:hello'])
    assert.equal(alice.msg.status().links[0].encrypted, false)
    assert.ok(contains(capture, text('hello')), 'the capture the encrypted test relies on sees plaintext')
  })
})

async function eventually(ok: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms
  while (!ok()) {
    if (Date.now() > until) throw new Error('condition not reached in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}
