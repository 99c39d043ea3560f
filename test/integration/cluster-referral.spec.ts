/**
 * Referrals as real processes (seed rows 0.1.9, 0.1.10): once a cluster exists, the XLattice
 * server (with `registry.referrals` on) answers a new node with a referral; the node gets its
 * NodeID from the cluster, whose members attest it, and the server certifies exactly that
 * NodeID: the node, every member and the server agree on it, and the node then works like
 * any other (an encrypted message to a member is delivered).
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { AssignError, AssignKind, AssignRequest, AssignResponse } from '../../gateway/cluster/cluster.pb.js'
import { assignedNodeId } from '../../gateway/cluster/entries.js'
import { ASSIGN_PROTOCOL } from '../../gateway/cluster/referral.js'
import type { Host } from '../../gateway/p2p/host.js'
import { RpcStream } from '../../gateway/p2p/rpc.js'
import type { Started } from '../../lib/child.js'
import { fromB64u, fromHex, toHex } from '../../lib/encoding.js'
import { CLUSTER_FAST, replicasCommitting } from '../helpers/cluster.js'
import { freshHost } from '../helpers/p2p.js'
import { eventually, startNode, startRegistry, status, stopAll, tempDir } from '../helpers/procs.js'

const FAST = { ...CLUSTER_FAST, XLATTICE_REGISTRY_REFERRALS: 'true' }

describe('referrals as processes', function () {
  this.timeout(180_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let host: Host
  before(async () => {
    tmp = await tempDir('xl-referral-')
    host = await freshHost()
  })
  after(async () => {
    await stopAll()
    await host.stop()
    await tmp.remove()
  })

  it('[0.1.10] [0.1.9] a node referred by the server gets its NodeID from the cluster; every member and the server agree on it', async () => {
    const registry = await startRegistry(join(tmp.path, 'r'), FAST)
    const members: Started[] = await Promise.all(
      [0, 1, 2, 3].map((i) => startNode(join(tmp.path, `m${i}`), registry.info.listen[0], FAST)),
    )
    const clusterId = await replicasCommitting(members)
    // Without referrals the first four were certified by the server directly.
    for (const m of members) assert.equal((await status(m.info.admin)).registry.referredBy, null)

    // Only size-4 clusters form, so a fifth node stays out of clusters and is simply referred.
    const late = await startNode(join(tmp.path, 'late'), registry.info.listen[0], FAST)
    const s = await eventually(
      'the referred node registered',
      async () => {
        const x = await status(late.info.admin)
        return x.nodeId !== null && x
      },
      60_000,
    )
    assert.equal(s.registry.referredBy, clusterId)
    const sigKey = fromB64u(s.sigPublicKey, 32)
    assert.equal(s.nodeId, toHex(assignedNodeId(fromHex(clusterId), sigKey)), 'the cluster derived it')

    // Every member's registry holds the same assignment (asked over the members' own protocol).
    for (const m of members) {
      const stream = await host.dialProtocol(multiaddr(m.info.listen[0]), ASSIGN_PROTOCOL)
      const rpc = new RpcStream(stream, 4096)
      const res = AssignResponse.decode(
        await rpc.request(
          AssignRequest.encode({
            kind: AssignKind.ATTEST,
            sigPublicKey: sigKey,
            agreementKey: fromB64u(s.commsPublicKey, 32),
            nodeSignature: new Uint8Array(),
          }),
        ),
      )
      await rpc.close()
      assert.equal(res.error, AssignError.ASSIGN_OK, res.text)
      assert.equal(toHex(res.nodeId), s.nodeId)
    }

    // The server certified that NodeID (the node's certificate is the server's), and the node
    // works like any other: an encrypted message to a member is delivered and acknowledged.
    const to = (await status(members[0].info.admin)).nodeId
    const sent = await eventually(
      'a message from the referred node delivered',
      async () => {
        const res = await fetch(`http://${late.info.admin}/send`, {
          method: 'POST',
          body: JSON.stringify({ nodeId: to, text: 'hello from a referred node', waitMs: 5000 }),
        })
        const body = await res.json()
        return res.status === 200 && body.acked === true && body
      },
      30_000,
    )
    assert.equal(sent.mode, 'sealed')
    const got = await (await fetch(`http://${members[0].info.admin}/messages`)).json()
    assert.ok(got.messages.some((m: any) => m.from === s.nodeId && m.text === 'hello from a referred node'))
  })
})
