/**
 * Kept kinds between two real nodes (XLatticeNode, in process, so the test can attach the
 * consumer the XMPP component would) and a registry, over TCP on 127.0.0.1: a message of kind
 * `xmpp` that the receiver acked survives a restart of the receiver before any consumer was
 * attached and is then handed over exactly once (also across a further restart); a consumer
 * whose callback rejects gets the same messages again, in order.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { XMPP_KIND } from '../../gateway/messaging/constants.js'
import type { KeptMessage } from '../../gateway/messaging/index.js'
import { XLatticeNode } from '../../gateway/node/node.js'
import { type RunningRegistry, startRegistry } from '../../gateway/registry/index.js'
import { setLogLevel } from '../../lib/log.js'
import { eventually, tempDir } from '../helpers/procs.js'

const text = (s: string) => new TextEncoder().encode(s)
const str = (b: Uint8Array) => new TextDecoder().decode(b)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('[0.0.5] kept messages between two nodes', function () {
  this.timeout(90_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let registry: RunningRegistry
  let alice: XLatticeNode
  let bob: XLatticeNode
  const opts = (dir: string, maxKept?: number) => ({
    dataDir: join(tmp.path, dir),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    registry: registry.host.getMultiaddrs()[0].toString(),
    heartbeatSec: 1,
    neighbourRefreshSec: 1,
    registerRetryMaxSec: 1,
    pingIntervalSec: 1,
    messaging: { retryMaxSec: 1, maxKept },
  })
  const kept = (n: XLatticeNode) => n.messaging.status().kept[XMPP_KIND]

  before(async () => {
    setLogLevel('error')
    tmp = await tempDir('xl-kept-')
    registry = await startRegistry({
      dataDir: join(tmp.path, 'registry'),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      heartbeatTtlSec: 30,
      neighbourK: 2,
      maxMessageBytes: 1024 * 1024,
      clockSkewSec: 60,
      nonceRetentionSec: 120,
      rateLimit: { requestsPerSec: 1000, burst: 1000 },
    })
    ;[alice, bob] = await Promise.all([XLatticeNode.start(opts('alice')), XLatticeNode.start(opts('bob'))])
    await eventually('both nodes registered', async () => alice.nodeId !== null && bob.nodeId !== null)
  })
  after(async () => {
    await alice?.stop()
    await bob?.stop()
    await registry?.stop()
    await tmp?.remove()
    setLogLevel(process.env.XLATTICE_LOG_LEVEL ?? 'info')
  })

  it('[0.0.5] an acked message of kind xmpp survives a receiver restart before any consumer, then is consumed exactly once', async () => {
    const to = bob.nodeId as string
    const sent = await alice.messaging.send(to, text('<message>kept</message>'), { kind: XMPP_KIND })
    await sent.acked
    assert.equal(kept(bob), 1)

    await bob.stop()
    bob = await XLatticeNode.start(opts('bob'))
    assert.equal(bob.nodeId, to, 'the same NodeID after the restart')
    assert.equal(kept(bob), 1, 'still on disk after the restart')

    const got: KeptMessage[] = []
    const stop = bob.messaging.consume(XMPP_KIND, async (m) => {
      got.push(m)
    })
    await eventually('the kept message handed over', async () => got.length > 0)
    await sleep(300)
    assert.deepEqual(
      got.map((m) => [m.from, m.seq, str(m.payload)]),
      [[alice.nodeId, sent.seq, '<message>kept</message>']],
    )
    assert.equal(kept(bob), 0)
    stop()

    // Deleted for good: after one more restart there is nothing to hand over again.
    await bob.stop()
    bob = await XLatticeNode.start(opts('bob'))
    assert.equal(kept(bob), 0)
    const again: KeptMessage[] = []
    const stop2 = bob.messaging.consume(XMPP_KIND, async (m) => {
      again.push(m)
    })
    await sleep(300)
    assert.deepEqual(again, [])
    stop2()
  })

  it('[0.0.5] a consumer whose callback rejects gets the same messages again, in order', async () => {
    const to = bob.nodeId as string
    // Reached again after bob's restarts: through the neighbour list and the link's retries.
    const sent = []
    for (const body of ['one', 'two', 'three']) {
      sent.push(await alice.messaging.send(to, text(body), { kind: XMPP_KIND }))
    }
    await Promise.all(sent.map((s) => s.acked))
    assert.equal(kept(bob), 3)
    const calls: string[] = []
    let failing = true
    const stop = bob.messaging.consume(XMPP_KIND, async (m) => {
      calls.push(str(m.payload))
      // The first round (all three, pipelined) fails, as if the XMPP server's stream had
      // closed under the writes.
      if (failing) {
        if (calls.length === 3) failing = false
        throw new Error('stream closed')
      }
    })
    await eventually('the second round delivered', async () => calls.length >= 6 && kept(bob) === 0, 20_000)
    await sleep(300)
    assert.deepEqual(calls, ['one', 'two', 'three', 'one', 'two', 'three'])
    stop()
  })

  it('[0.0.5] a receiver holding its limit of undelivered kept messages refuses more (BUSY); the sender keeps them and delivers later', async () => {
    await bob.stop()
    bob = await XLatticeNode.start(opts('bob', 2))
    const to = bob.nodeId as string
    const sent = []
    for (const body of ['a', 'b', 'c', 'd'])
      sent.push(await alice.messaging.send(to, text(body), { kind: XMPP_KIND }))
    await Promise.all(sent.slice(0, 2).map((s) => s.acked))
    await sleep(1500)
    assert.equal(kept(bob), 2, 'no more than the limit held')
    assert.ok(alice.messaging.status().queued >= 2, 'the rest stays in the sender outbox')
    const got: string[] = []
    const stop = bob.messaging.consume(XMPP_KIND, async (m) => {
      got.push(str(m.payload))
    })
    await Promise.all(sent.map((s) => s.acked))
    await eventually('all four handed over', async () => got.length === 4, 20_000)
    assert.deepEqual(got, ['a', 'b', 'c', 'd'])
    stop()
  })
})
