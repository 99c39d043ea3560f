/**
 * Cluster formation as real processes on 127.0.0.1 (seed rows 0.1.0, 0.1.7): fresh nodes form
 * clusters of four from their neighbours with no operator step, register them with the
 * XLattice server (which then holds the cluster ID and the member keys), keep them across a
 * restart, and retry a pinned cluster until a dead member comes back.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { fromHex, toB64u, toHex } from '../../lib/encoding.js'
import type { Started } from '../../lib/child.js'
import { RegistryClient } from '../../gateway/registry/client.js'
import type { Host } from '../../gateway/p2p/host.js'
import { CLUSTER_FAST, type ClusterView, clustersOf } from '../helpers/cluster.js'
import { freshHost } from '../helpers/p2p.js'
import { BIN, eventually, startNode, startRegistry, status, stopAll, tempDir } from '../helpers/procs.js'

const run = promisify(execFile)
const FAST = { ...CLUSTER_FAST, XLATTICE_LOG_LEVEL: 'info' }

describe('cluster formation as processes', function () {
  this.timeout(180_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let host: Host
  before(async () => {
    tmp = await tempDir('xl-cluster-')
    host = await freshHost()
  })
  after(async () => {
    await stopAll()
    await host.stop()
    await tmp.remove()
  })

  it('[0.1.0] [0.1.7] four fresh nodes form one cluster with no operator step; the server holds its ID and member keys', async () => {
    const registry = await startRegistry(join(tmp.path, 'r1'), FAST)
    const dirs = [0, 1, 2, 3].map((i) => join(tmp.path, `a${i}`))
    const nodes = await Promise.all(dirs.map((d) => startNode(d, registry.info.listen[0], FAST)))
    const views = await clustersOf(nodes)
    const ids = (await Promise.all(nodes.map((n) => status(n.info.admin)))).map((s) => s.nodeId).sort()
    for (const v of views) {
      assert.equal(v.clusterId, views[0].clusterId, 'every member names the same cluster')
      assert.deepEqual(v.members, ids)
    }
    // The server's binding: the cluster ID, a derived name, the genesis keys of the four nodes.
    const client = new RegistryClient(host, registry.info.listen[0])
    const held = await client.getCluster({ clusterId: fromHex(views[0].clusterId) })
    assert.equal(held.name, views[0].name)
    assert.match(held.name, /^c-[0-9a-f]{8}$/)
    assert.equal(held.version, 0)
    const keys = new Map(
      (await Promise.all(nodes.map((n) => status(n.info.admin)))).map((s) => [s.nodeId, s.sigPublicKey]),
    )
    assert.deepEqual(
      held.genesis.map((m) => [toHex(m.nodeId), toB64u(m.sigPublicKey)]).sort(),
      [...keys].sort(),
    )
    assert.equal((await status(registry.info.admin)).clusters, 1)
    await client.close()

    // Visible to people: `xlattice cluster status`.
    const { stdout } = await run(process.execPath, [BIN, 'cluster', 'status', '--admin', nodes[2].info.admin])
    assert.match(stdout, new RegExp(`^cluster ${views[0].name}$`, 'm'))
    for (const id of ids) assert.match(stdout, new RegExp(id))

    // A restarted member is still a member (the binding is kept on disk).
    await nodes[1].kill()
    nodes[1] = await startNode(dirs[1], registry.info.listen[0], FAST)
    const again = await status(nodes[1].info.admin)
    assert.equal(again.cluster.clusterId, views[0].clusterId)
    assert.equal((await status(registry.info.admin)).clusters, 1, 'no second cluster was formed')
    await Promise.all(nodes.map((n) => n.stop()))
    await registry.stop()
  })

  it('[0.1.0] eight fresh nodes form two clusters of four, each node in exactly one', async () => {
    const registry = await startRegistry(join(tmp.path, 'r2'), FAST)
    const nodes = await Promise.all(
      Array.from({ length: 8 }, (_, i) => startNode(join(tmp.path, `b${i}`), registry.info.listen[0], FAST)),
    )
    const views = await clustersOf(nodes, 60_000)
    const clusters = new Map<string, ClusterView>()
    for (const v of views) clusters.set(v.clusterId, v)
    assert.equal(clusters.size, 2)
    const members = [...clusters.values()].flatMap((c) => c.members)
    assert.equal(members.length, 8)
    assert.equal(new Set(members).size, 8, 'no node is in two clusters')
    const ids = (await Promise.all(nodes.map((n) => status(n.info.admin)))).map((s) => s.nodeId)
    for (let i = 0; i < 8; i++) assert.ok(clusters.get(views[i].clusterId)?.members.includes(ids[i]))
    assert.equal((await status(registry.info.admin)).clusters, 2)
    await Promise.all(nodes.map((n) => n.stop()))
    await registry.stop()
  })

  it('[0.1.0] pinned members: the attempt is retried while a member is down and succeeds once it is back', async () => {
    const registry = await startRegistry(join(tmp.path, 'r3'), FAST)
    const dirs = [0, 1, 2, 3].map((i) => join(tmp.path, `c${i}`))
    // First learn the four NodeIDs (registration only: the pin below needs them).
    const probe = await Promise.all(
      dirs.map((d) => startNode(d, registry.info.listen[0], { ...FAST, XLATTICE_CLUSTER_SIZE: '64' })),
    )
    const ids = await eventually('four NodeIDs', async () => {
      const s = await Promise.all(probe.map((n) => status(n.info.admin)))
      return s.every((x) => x.nodeId !== null) && s.map((x) => x.nodeId as string)
    })
    await Promise.all(probe.map((n) => n.stop()))
    const pinned = { ...FAST, XLATTICE_CLUSTER_MEMBERS: JSON.stringify(ids) }
    const lowest = ids.indexOf([...ids].sort()[0])
    const down = (lowest + 1) % 4
    const up = await Promise.all(
      dirs.map((d, i) => (i === down ? undefined : startNode(d, registry.info.listen[0], pinned))),
    )
    const proposer = up[lowest] as Started
    await eventually(
      'the proposer tried and failed while a member is down',
      async () => {
        const s = await status(proposer.info.admin)
        return s.cluster.lastError !== null && s.cluster.clusterId === null && s
      },
      20_000,
    )
    assert.equal((await status(registry.info.admin)).clusters, 0)
    up[down] = await startNode(dirs[down], registry.info.listen[0], pinned)
    const views = await clustersOf(up as Started[], 60_000)
    assert.deepEqual(views[0].members, [...ids].sort())
    assert.ok(views.every((v) => v.clusterId === views[0].clusterId))
  })
})
