/**
 * Kept kinds through the Messaging service: `keep` in its init, `keepLocal`, `consume` and
 * `status().kept`; and, between two in-process libp2p hosts, a received message of a kept
 * kind written in the batch of its high-water mark (before the ack), still given to onMessage
 * listeners, and handed to the consumer with the sender's NodeID and sequence number.
 */
import assert from 'node:assert/strict'
import { multiaddr } from '@multiformats/multiaddr'
import { pino } from 'pino'
import { XMPP_KIND } from '../../../../gateway/messaging/constants.js'
import { ConsumerBusyError, NotKeptError } from '../../../../gateway/messaging/errors.js'
import type { KeptMessage } from '../../../../gateway/messaging/index.js'
import { plaintextSigned, sealedToNode, sealers } from '../../../../gateway/messaging/sealer.js'
import { type Messaging, type MessagingComponents, messaging } from '../../../../gateway/messaging/service.js'
import { createHost, type Host } from '../../../../gateway/p2p/host.js'
import { DhKey } from '../../../../gateway/session/index.js'
import { type BatchOp, MemoryStore, type Store, type WriteOptions } from '../../../../lib/store/index.js'
import { issuer, type TestNode, testNode } from './fixtures.js'

const log = pino({ level: 'silent' })
const text = (s: string) => new TextEncoder().encode(s)
const str = (b: Uint8Array) => new TextDecoder().decode(b)
const tick = () => new Promise((r) => setImmediate(r))

/** A host that serves nothing: enough for keepLocal, which never touches libp2p. */
const noHost: MessagingComponents['host'] = {
  handle: async () => {},
  unhandle: async () => {},
  addEventListener: () => {},
  removeEventListener: () => {},
}

function components(node: TestNode, store: Store, host = noHost): MessagingComponents {
  return {
    host,
    store,
    self: () => node.self,
    issuers: [],
    sealers: sealers(plaintextSigned(node.signer)),
    connect: async () => {
      throw new Error('no network here')
    },
    recipient: async (nodeId) => ({ nodeId }),
    learned: () => {},
    log,
  }
}

/** Records the keys and sync flag of every batch a store receives. */
function withBatches(inner: Store): Store & { batches: { keys: string[]; sync: boolean }[] } {
  const batches: { keys: string[]; sync: boolean }[] = []
  return {
    batches,
    get: (k) => inner.get(k),
    put: (k, v, o) => inner.put(k, v, o),
    del: (k, o) => inner.del(k, o),
    batch: (ops: BatchOp[], o?: WriteOptions) => {
      batches.push({ keys: ops.map((op) => op.key), sync: o?.sync === true })
      return inner.batch(ops, o)
    },
    entries: (r) => inner.entries(r),
    sublevel: (n) => inner.sublevel(n),
    close: () => inner.close(),
  }
}

const init = { retryMaxMs: 300, maxQueued: 1000, plaintextByDefault: false }

describe('[0.0.5] gateway/messaging service: kept kinds', function () {
  this.timeout(30_000)
  const by = issuer()

  it('keepLocal keeps a message from this node, numbered in its own sequence; status counts it until consumed', async () => {
    const node = await testNode(by)
    const data = new Map<string, Uint8Array>()
    let msg = messaging({ ...init, keep: [XMPP_KIND] })(
      components(node, new MemoryStore(data).sublevel('msg')),
    )
    await assert.rejects(msg.keepLocal(XMPP_KIND, text('early')), /not started/)
    await msg.start()
    assert.deepEqual(msg.status().kept, { xmpp: 0 })
    await Promise.all([msg.keepLocal(XMPP_KIND, text('one')), msg.keepLocal(XMPP_KIND, text('two'))])
    assert.deepEqual(msg.status().kept, { xmpp: 2 })
    await assert.rejects(msg.keepLocal('text', text('x')), NotKeptError)
    assert.throws(() => msg.consume('text', async () => {}), NotKeptError)
    await assert.rejects(msg.keepLocal(XMPP_KIND, new Uint8Array(61 * 1024)), /too large/)

    // A restart before anyone consumed them: still there, and numbering continues.
    await msg.stop()
    msg = messaging({ ...init, keep: [XMPP_KIND] })(components(node, new MemoryStore(data).sublevel('msg')))
    await msg.start()
    assert.deepEqual(msg.status().kept, { xmpp: 2 })
    const before = Date.now()
    await msg.keepLocal(XMPP_KIND, text('three'))
    const got: KeptMessage[] = []
    const stop = msg.consume(XMPP_KIND, async (m) => {
      got.push(m)
    })
    assert.throws(() => msg.consume(XMPP_KIND, async () => {}), ConsumerBusyError)
    await tick()
    assert.deepEqual(
      got.map((m) => [m.from, m.seq, str(m.payload)]),
      [
        [node.self.nodeId, 1n, 'one'],
        [node.self.nodeId, 2n, 'two'],
        [node.self.nodeId, 3n, 'three'],
      ],
    )
    assert.ok(got[2].sentAt >= before && got[2].sentAt <= Date.now())
    assert.deepEqual(msg.status().kept, { xmpp: 0 })
    stop()
    assert.equal(msg.status().received, 0, 'nothing was received from the network')
    await msg.stop()

    const plain = messaging(init)(components(node, new MemoryStore().sublevel('msg')))
    await plain.start()
    assert.deepEqual(plain.status().kept, {}, 'no kept kinds unless configured')
    await assert.rejects(plain.keepLocal(XMPP_KIND, text('x')), NotKeptError)
    await plain.stop()
  })

  describe('between two libp2p hosts', () => {
    const running: { host: Host; msg: Messaging }[] = []
    after(async () => {
      for (const r of running) {
        await r.msg.stop()
        await r.host.stop()
      }
    })

    /** Certified keys of the test nodes, as the directory would know them. */
    const known = new Map<string, TestNode>()

    async function peer(node: TestNode, store: Store, routes: Map<string, string>) {
      known.set(node.self.nodeId, node)
      const host = await createHost({
        privateKey: node.privateKey,
        listen: ['/ip4/127.0.0.1/tcp/0'],
        dht: false,
      })
      const msg = messaging({ ...init, keep: [XMPP_KIND] })({
        ...components(node, store, host),
        issuers: [by.publicKey],
        sealers: sealers(
          plaintextSigned(node.signer),
          sealedToNode(() => node.self, node.comms),
        ),
        session: { staticKey: DhKey.fromPrivate(node.comms.privateKey) },
        recipient: async (nodeId) => ({ nodeId, commsPublicKey: known.get(nodeId)?.comms.publicKey }),
        connect: async (nodeId, protocol, o) => {
          const conn = await host.dial(multiaddr(routes.get(nodeId) as string), { signal: o.signal })
          const stream = await conn.newStream(protocol, { signal: o.signal })
          return { stream, remoteKey: conn.remotePeer.publicKey!.raw, remotePeer: conn.remotePeer.toString() }
        },
      })
      await msg.start()
      running.push({ host, msg })
      return { host, msg }
    }

    it('a received message of a kept kind is on disk with its mark before the ack, and handed over once', async () => {
      const [aliceNode, bobNode] = [await testNode(by), await testNode(by)]
      const routes = new Map<string, string>()
      const bobStore = withBatches(new MemoryStore().sublevel('msg'))
      const alice = await peer(aliceNode, new MemoryStore().sublevel('msg'), routes)
      const bob = await peer(bobNode, bobStore, routes)
      routes.set(bobNode.self.nodeId, bob.host.getMultiaddrs()[0].toString())
      const heard: string[] = []
      bob.msg.onMessage((m, payload) => heard.push(`${m.kind}:${str(payload)}`))

      const to = bobNode.self.nodeId
      const first = await alice.msg.send(to, text('<message>hi</message>'), { kind: XMPP_KIND })
      const other = await alice.msg.send(to, text('not kept'), { kind: 'text' })
      await first.acked
      await other.acked
      // Acked: the record is on disk, written in the synced batch that holds the mark.
      const records: string[] = []
      for await (const [k] of bobStore.entries({ gte: 'k!', lt: 'k!~' })) records.push(k)
      assert.deepEqual(records, ['k!xmpp!0000000000000001'], 'only the kept kind')
      // One batch, in any order (the mark of the message after it may be folded into it).
      const batch = bobStore.batches.find((b) => b.keys.includes('k!xmpp!0000000000000001'))
      assert.deepEqual(
        { keys: [...(batch?.keys ?? [])].sort(), sync: batch?.sync },
        { keys: ['k!xmpp!0000000000000001', `r!${aliceNode.self.nodeId}`], sync: true },
      )
      assert.deepEqual(bob.msg.status().kept, { xmpp: 1 })
      assert.deepEqual(heard, ['xmpp:<message>hi</message>', 'text:not kept'], 'listeners still hear both')

      const got: KeptMessage[] = []
      bob.msg.consume(XMPP_KIND, async (m) => {
        got.push(m)
      })
      const second = await alice.msg.send(to, text('<message>again</message>'), { kind: XMPP_KIND })
      await second.acked
      for (let i = 0; i < 50 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 10))
      assert.deepEqual(
        got.map((m) => [m.from, m.seq, str(m.payload)]),
        [
          [aliceNode.self.nodeId, 1n, '<message>hi</message>'],
          [aliceNode.self.nodeId, 3n, '<message>again</message>'],
        ],
      )
      assert.ok(got[0].sentAt > Date.now() - 60_000 && got[0].sentAt <= Date.now())
      await tick()
      assert.deepEqual(bob.msg.status().kept, { xmpp: 0 })
    })
  })
})
