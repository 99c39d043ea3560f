/**
 * The replicated cluster registry as real processes (seed rows 0.1.2, 0.1.5): four fresh nodes
 * form a cluster, each starts its replica (BFT driver + registry state machine), and nicks
 * registered through different members commit with one owner each; every member holds the
 * same registry (same state root at the same height); with one member killed, registrations
 * still commit.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Started } from '../../lib/child.js'
import { BIN, eventually, startNode, startRegistry, status, stopAll, tempDir } from '../helpers/procs.js'

const run = promisify(execFile)
const FAST = {
  XLATTICE_NODE_HEARTBEAT_SEC: '1',
  XLATTICE_NODE_NEIGHBOUR_REFRESH_SEC: '1',
  XLATTICE_NODE_PING_INTERVAL_SEC: '1',
  XLATTICE_CLUSTER_FORMATION_INTERVAL_SEC: '1',
  XLATTICE_CLUSTER_LOCK_SEC: '4',
  XLATTICE_REGISTRY_NEIGHBOUR_K: '16',
}

async function register(admin: string, nick: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://${admin}/nick`, { method: 'POST', body: JSON.stringify({ nick }) })
  return { status: res.status, body: await res.json() }
}

async function rootAt(admin: string, height: number): Promise<string | null> {
  const res = await fetch(`http://${admin}/cluster/root?height=${height}`)
  return (await res.json()).root
}

describe('the cluster registry as processes', function () {
  this.timeout(240_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let nodes: Started[]
  before(async () => {
    tmp = await tempDir('xl-creg-')
    const registry = await startRegistry(join(tmp.path, 'r'), FAST)
    nodes = await Promise.all(
      [0, 1, 2, 3].map((i) => startNode(join(tmp.path, `n${i}`), registry.info.listen[0], FAST)),
    )
    await eventually(
      'a cluster of four with its replicas committing blocks',
      async () => {
        const all = await Promise.all(nodes.map((n) => status(n.info.admin)))
        return all.every((s) => (s.cluster?.replica?.height ?? 0) > 0) && all
      },
      60_000,
    )
  })
  after(async () => {
    await stopAll()
    await tmp.remove()
  })

  it('[0.1.2] [0.1.5] 1,000 nicks through different members commit, one owner each, identical state everywhere', async () => {
    const names = Array.from({ length: 1000 }, (_, i) => `user-${i}`)
    let next = 0
    const results: { status: number; body: any }[] = []
    await Promise.all(
      Array.from({ length: 40 }, async (_, w) => {
        while (next < names.length) {
          const i = next++
          results[i] = await register(nodes[(i + w) % 4].info.admin, names[i])
        }
      }),
    )
    const refused = results.filter((r) => r.status !== 200)
    assert.deepEqual(refused.slice(0, 3), [], `${refused.length} refused`)
    const userIds = new Set(results.map((r) => r.body.userNodeId))
    assert.equal(userIds.size, 1000, 'every user NodeID is distinct')

    // The same nick through two members at once: one owner, the other committed as rejected.
    const [a, b] = await Promise.all([
      register(nodes[0].info.admin, 'Contested'),
      register(nodes[1].info.admin, 'contested'),
    ])
    assert.deepEqual([a.status, b.status].sort(), [200, 409])
    const loser = a.status === 409 ? a : b
    assert.equal(loser.body.reason, 'nick-taken')
    const winner = a.status === 200 ? a : b

    // Every member holds the same registry: the same root at the same height, the same binding.
    const height = Math.max(winner.body.height, loser.body.height)
    const roots = await eventually('every member past the contested height', async () => {
      const r = await Promise.all(nodes.map((n) => rootAt(n.info.admin, height)))
      return r.every((x) => x !== null) && r
    })
    assert.ok(
      roots.every((r) => r === roots[0]),
      JSON.stringify(roots),
    )
    const { stdout } = await run(process.execPath, [
      BIN,
      'nick',
      'show',
      'CONTESTED',
      '--admin',
      nodes[3].info.admin,
    ])
    assert.match(stdout, new RegExp(`user NodeID ${winner.body.userNodeId}`))
    const shown = await Promise.all(
      nodes.map(
        async (n) => (await (await fetch(`http://${n.info.admin}/nick?name=user-7`)).json()).userNodeId,
      ),
    )
    assert.ok(shown.every((id) => id === results[7].body.userNodeId))
    const bad = await register(nodes[2].info.admin, 'no.dots')
    assert.deepEqual([bad.status, bad.body.reason], [409, 'bad-nick'])
  })

  it('[0.1.2] with one member killed, registrations still commit', async () => {
    await nodes[3].kill()
    const r = await register(nodes[0].info.admin, 'after-a-crash')
    assert.equal(r.status, 200, JSON.stringify(r.body))
    const { stdout } = await run(process.execPath, [
      BIN,
      'nick',
      'register',
      'and-another',
      '--admin',
      nodes[1].info.admin,
    ])
    assert.match(stdout, /^and-another: registered at height \d+, user NodeID [0-9a-f]{64}$/m)
  })
})
