/**
 * Node-to-node messaging as real processes on 127.0.0.1 (seed rows 0.0.5, 0.0.7): signed
 * plaintext envelopes and sealed (encrypted) ones delivered and acknowledged between every
 * pair, including a pair with no connection before the send (found through the DHT);
 * messages for a node that is down wait in the sender's persistent outbox, across a crash of
 * the sender too; and, from an in-process libp2p peer holding a real registered certificate,
 * a replayed envelope and an envelope from another NodeID are refused.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { multiaddr } from '@multiformats/multiaddr'
import type { Started } from '../../lib/child.js'
import { fromHex } from '../../lib/encoding.js'
import { BIN, eventually, startNode, startRegistry, status, stopAll, tempDir } from '../helpers/procs.js'
import { registeredPeer, type RegisteredPeer } from './node-peer.js'

const run = promisify(execFile)
const FAST = {
  XLATTICE_NODE_HEARTBEAT_SEC: '1',
  XLATTICE_NODE_NEIGHBOUR_REFRESH_SEC: '1',
  XLATTICE_NODE_PING_INTERVAL_SEC: '1',
  XLATTICE_NODE_IDLE_CONNECTION_SEC: '1',
  XLATTICE_MESSAGING_RETRY_MAX_SEC: '1',
  // One neighbour each: most pairs are nobody's neighbours, so they meet through the DHT.
  XLATTICE_REGISTRY_NEIGHBOUR_K: '1',
  XLATTICE_REGISTRY_HEARTBEAT_TTL_SEC: '5',
  XLATTICE_REGISTRY_NONCE_RETENTION_SEC: '120',
  XLATTICE_LOG_LEVEL: 'info',
}

async function send(
  admin: string,
  nodeId: string,
  text: string,
  waitMs = 10_000,
  plaintext = true,
): Promise<any> {
  const res = await fetch(`http://${admin}/send`, {
    method: 'POST',
    body: JSON.stringify({ nodeId, text, plaintext, waitMs }),
  })
  const body = await res.json()
  assert.equal(res.status, 200, JSON.stringify(body))
  return body
}

async function messages(admin: string): Promise<any[]> {
  return (await (await fetch(`http://${admin}/messages`)).json()).messages
}

describe('node-to-node messaging as processes', function () {
  this.timeout(120_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let registry: Started
  let nodes: Started[]
  let ids: string[]
  const dirs: string[] = []
  before(async () => {
    tmp = await tempDir('xl-msg-')
    registry = await startRegistry(join(tmp.path, 'registry'), FAST)
    for (let i = 0; i < 5; i++) dirs.push(join(tmp.path, `n${i}`))
    nodes = await Promise.all(dirs.map((d) => startNode(d, registry.info.listen[0], FAST)))
    const all = await eventually('five nodes registered, with neighbours and DHT records', async () => {
      const s = await Promise.all(nodes.map((n) => status(n.info.admin)))
      return (
        s.every((x) => x.nodeId !== null && x.neighbours.length > 0 && x.dht.recordPublishedAt !== null) && s
      )
    })
    ids = all.map((s) => s.nodeId)
  })
  after(async () => {
    await stopAll()
    await tmp.remove()
  })

  it('[0.0.5] [0.0.7] a pair with no connection before the send: found through the DHT, dialled, delivered and acked', async () => {
    const pair = await eventually('a pair of nodes that are not connected and not neighbours', async () => {
      const all = await Promise.all(nodes.map((n) => status(n.info.admin)))
      for (let a = 0; a < 5; a++) {
        for (let b = 0; b < 5; b++) {
          const [s, r] = [all[a], all[b]]
          const linked = (x: any, y: any) =>
            x.connections.peers.includes(y.peerId) || x.neighbours.some((n: any) => n.nodeId === y.nodeId)
          if (a !== b && !linked(s, r) && !linked(r, s)) return [a, b]
        }
      }
      return undefined
    })
    const [a, b] = pair
    // Through the operator command, as a person would: encrypted (the default) first, so the
    // sealed message is the one that finds the unconnected node.
    const cli = (text: string, ...flags: string[]) =>
      run(process.execPath, [BIN, 'send', ids[b], text, ...flags, '--admin', nodes[a].info.admin])
    assert.match(
      (await cli('sealed through the DHT')).stdout,
      /^seq 1 \(sealed\): delivered \(acknowledged\)$/m,
    )
    const { stdout } = await cli('hello through the DHT', '--plaintext')
    assert.match(stdout, /^seq 2 \(plaintext\): delivered \(acknowledged\)$/m)
    const got = await messages(nodes[b].info.admin)
    assert.deepEqual(
      got.map((m) => [m.from, m.text, m.mode, m.plaintext]),
      [
        [ids[a], 'sealed through the DHT', 'sealed', false],
        [ids[a], 'hello through the DHT', 'plaintext', true],
      ],
    )
    const sender = await status(nodes[a].info.admin)
    assert.equal(sender.dht.reached.neighbour + sender.dht.reached.hello, 0, 'not reached as a neighbour')
    assert.ok(sender.dht.reached.dht + sender.dht.reached['peer-routing'] >= 1, JSON.stringify(sender.dht))
    // The receiver logged it, labelled plaintext.
    assert.match(
      nodes[b].stderr(),
      /"plaintext":true.*"text":"hello through the DHT".*"msg":"message received"/,
    )
  })

  for (const [row, plaintext, mode] of [
    ['0.0.5', true, 'plaintext'],
    ['0.0.7', false, 'sealed'],
  ] as const) {
    it(`[${row}] ${mode} messages are delivered and acknowledged between every pair, once each`, async () => {
      const before = await Promise.all(nodes.map((n) => messages(n.info.admin)))
      await Promise.all(
        nodes.map(async (n, a) => {
          for (let b = 0; b < 5; b++) {
            if (a === b) continue
            const out = await send(n.info.admin, ids[b], `${mode} from ${a} to ${b}`, 10_000, plaintext)
            assert.equal(out.acked, true, `${a} -> ${b} acknowledged`)
            assert.deepEqual([out.plaintext, out.mode], [plaintext, mode])
          }
        }),
      )
      for (let b = 0; b < 5; b++) {
        const got = (await messages(nodes[b].info.admin)).slice(before[b].length)
        assert.deepEqual(
          got.map((m) => m.text).sort(),
          [0, 1, 2, 3, 4]
            .filter((a) => a !== b)
            .map((a) => `${mode} from ${a} to ${b}`)
            .sort(),
        )
        for (const m of got) {
          assert.equal(m.from, ids[Number(m.text.split(' ')[2])])
          assert.deepEqual([m.plaintext, m.mode], [plaintext, mode])
        }
        const s = await status(nodes[b].info.admin)
        assert.equal(s.messages.queued, 0)
        assert.deepEqual(s.messages.rejected, {})
        // Every link a node opened is a session stream: sealed end to end, whatever the mode.
        for (const l of s.messages.links) assert.equal(l.encrypted, true, JSON.stringify(l))
      }
    })
  }

  it('[0.0.5] [0.0.7] a message sent while the receiver is down arrives after it is back, also when the sender crashed in between', async () => {
    const [a, b] = [0, 1]
    const received = (await messages(nodes[b].info.admin)).length
    await nodes[b].kill()
    const first = await send(nodes[a].info.admin, ids[b], 'while you were down (1)', 300)
    // Sealed to the receiver's certified key while no session can exist.
    const second = await send(nodes[a].info.admin, ids[b], 'while you were down (2)', 300, false)
    assert.equal(second.mode, 'sealed')
    assert.deepEqual([first.acked, first.queued, second.acked], [false, true, false])
    assert.equal(BigInt(second.seq), BigInt(first.seq) + 1n)
    assert.equal((await status(nodes[a].info.admin)).messages.queued, 2)

    // The sender crashes too, and comes back first: the queue survived on disk.
    await nodes[a].kill()
    nodes[a] = await startNode(dirs[a], registry.info.listen[0], FAST)
    assert.equal((await status(nodes[a].info.admin)).messages.queued, 2)
    nodes[b] = await startNode(dirs[b], registry.info.listen[0], FAST)
    const got = await eventually(
      'both queued messages delivered after the restarts',
      async () => {
        const m = await messages(nodes[b].info.admin)
        return m.length >= 2 && m
      },
      30_000,
    )
    // The restarted receiver's ring starts empty: exactly these two, in order, once each.
    assert.ok(received > 0)
    assert.deepEqual(
      got.map((m) => [m.text, m.seq]),
      [
        ['while you were down (1)', first.seq],
        ['while you were down (2)', second.seq],
      ],
    )
    await eventually('the sender saw the acks and emptied its outbox', async () => {
      const s = await status(nodes[a].info.admin)
      return s.messages.queued === 0 && s.messages.delivered === 2
    })
  })

  describe('from an in-process peer with a registered certificate', () => {
    let peer: RegisteredPeer
    before(async () => {
      peer = await registeredPeer(registry.info.listen[0])
    })
    after(() => peer.stop())

    it('[0.0.5] a replayed envelope is rejected and delivered only once', async () => {
      const target = nodes[2]
      const to = fromHex(ids[2], 32)
      const s = await peer.open(multiaddr(target.info.listen[0]))
      assert.equal(s.remoteNodeId, ids[2], 'the node answered the Hello with its own certificate')
      const frame = peer.message({ to, seq: 1n, text: 'once only' })
      assert.deepEqual(await s.exchange(frame), { ack: 1n })
      assert.deepEqual(await s.exchange(frame), { refusal: 'DUPLICATE', ack: 1n })
      // Replayed on a fresh stream too.
      const s2 = await peer.open(multiaddr(target.info.listen[0]))
      assert.deepEqual(await s2.exchange(frame), { refusal: 'DUPLICATE', ack: 1n })
      const got = (await messages(target.info.admin)).filter((m) => m.from === peer.nodeId)
      assert.deepEqual(
        got.map((m) => m.text),
        ['once only'],
      )
      assert.equal((await status(target.info.admin)).messages.rejected.duplicate, 2)
      await s.close()
      await s2.close()
    })

    it("[0.0.5] an envelope from another NodeID, or a certificate that is not the connection's key, is rejected", async () => {
      const target = nodes[3]
      const to = fromHex(ids[3], 32)
      const s = await peer.open(multiaddr(target.info.listen[0]))
      // Properly signed by the peer, but claiming to come from node 4.
      const forged = peer.message({ to, seq: 1n, text: 'I am node 4', from: fromHex(ids[4], 32) })
      assert.deepEqual(await s.exchange(forged), { refusal: 'FROM_MISMATCH' })
      // Node 4's real certificate presented over the peer's own connection.
      const node4 = await status(nodes[4].info.admin)
      assert.ok(node4.nodeId)
      const s2 = await peer.open(multiaddr(target.info.listen[0]), { certificateOf: dirs[4] })
      assert.equal(s2.refusal, 'KEY_MISMATCH')
      // A message signed by a key other than the certified one.
      assert.deepEqual(await s.exchange(peer.message({ to, seq: 1n, text: 'x', badSignature: true })), {
        refusal: 'BAD_SIGNATURE',
      })
      const st = await status(target.info.admin)
      assert.equal(st.messages.rejected.from_mismatch, 1)
      assert.equal(st.messages.rejected.key_mismatch, 1)
      assert.equal(st.messages.rejected.bad_signature, 1)
      assert.equal(
        (await messages(target.info.admin)).filter((m) => m.from !== ids[0] && m.text === 'I am node 4')
          .length,
        0,
      )
      // Still in step: the next honest message from the same stream is delivered.
      assert.deepEqual(await s.exchange(peer.message({ to, seq: 1n, text: 'honest' })), { ack: 1n })
      await s.close()
    })
  })
})
