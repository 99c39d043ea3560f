/**
 * The XLattice server and nodes as real processes on 127.0.0.1 (seed rows 0.0.1-0.0.3).
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { BIN, eventually, startNode, startRegistry, status, stopAll, tempDir } from '../helpers/procs.js'

const run = promisify(execFile)
// Short timers so liveness changes are observable within a test; the logic is the production one.
const FAST = {
  XLATTICE_NODE_HEARTBEAT_SEC: '1',
  XLATTICE_NODE_NEIGHBOUR_REFRESH_SEC: '1',
  XLATTICE_REGISTRY_HEARTBEAT_TTL_SEC: '3',
  XLATTICE_REGISTRY_NONCE_RETENTION_SEC: '120',
}

async function idOf(dir: string): Promise<any> {
  const { stdout } = await run(process.execPath, [BIN, 'id', '--data', dir, '--json'])
  return JSON.parse(stdout)
}

describe('registry and nodes as processes', function () {
  this.timeout(90_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  before(async () => {
    tmp = await tempDir('xl-reg-')
  })
  after(async () => {
    await stopAll()
    await tmp.remove()
  })

  it('[0.0.2] [0.0.3] five nodes get five distinct NodeIDs and XOR-closest neighbour lists without themselves', async () => {
    const registry = await startRegistry(join(tmp.path, 'registry'), FAST)
    const reg = registry.info.listen[0]
    const nodes = await Promise.all([1, 2, 3, 4, 5].map((i) => startNode(join(tmp.path, `n${i}`), reg, FAST)))
    const statuses = await eventually('every node registered with 4 neighbours', async () => {
      const all = await Promise.all(nodes.map((n) => status(n.info.admin)))
      return all.every((s) => s.nodeId !== null && s.neighbours.length === 4) && all
    })
    const ids = statuses.map((s) => s.nodeId)
    assert.equal(new Set(ids).size, 5)
    for (const id of ids) assert.match(id, /^[0-9a-f]{64}$/)
    for (const s of statuses) {
      const listed = s.neighbours.map((n: any) => n.nodeId)
      assert.ok(!listed.includes(s.nodeId), 'a node is never its own neighbour')
      assert.deepEqual(new Set(listed), new Set(ids.filter((id) => id !== s.nodeId)))
      // Ordered by XOR distance to the node's own ID.
      const d = (id: string) => BigInt(`0x${id}`) ^ BigInt(`0x${s.nodeId}`)
      const dists = listed.map(d)
      assert.deepEqual(
        dists,
        [...dists].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
      )
      assert.ok(s.neighbours.every((n: any) => n.alive === true && typeof n.rttMs === 'number'))
    }
    // Prometheus metrics on both kinds of process.
    const metrics = await (await fetch(`http://${registry.info.admin}/metrics`)).text()
    assert.match(metrics, /^xlattice_registry_nodes 5$/m)
    assert.match(metrics, /xlattice_registry_requests_total\{type="REGISTER_NODE",result="OK"\} \d+/)
    assert.match(
      await (await fetch(`http://${nodes[0].info.admin}/metrics`)).text(),
      /^xlattice_node_neighbours 4$/m,
    )
    // And the human-readable status.
    const human = (await run(process.execPath, [BIN, 'status', '--admin', nodes[0].info.admin])).stdout
    assert.match(human, new RegExp(`node ${statuses[0].nodeId}`))
    assert.match(human, /neighbours \(4\)/)

    const regStatus = await status(registry.info.admin)
    assert.equal(regStatus.role, 'registry')
    assert.equal(regStatus.nodes, 5)
    assert.equal(regStatus.peerId, registry.info.peerId)

    // `xlattice id` reads the same NodeID from the data directory while the node runs.
    const id1 = await idOf(join(tmp.path, 'n1'))
    assert.equal(id1.nodeId, statuses[0].nodeId)
    assert.equal(id1.peerId, statuses[0].peerId)

    // [0.0.3] a killed node drops out of the others' lists once its TTL has passed.
    await nodes[4].kill()
    const dead = statuses[4].nodeId
    await eventually('the killed node is no longer offered as a neighbour', async () => {
      const all = await Promise.all(nodes.slice(0, 4).map((n) => status(n.info.admin)))
      return all.every((s) => s.neighbours.length === 3 && !s.neighbours.some((n: any) => n.nodeId === dead))
    })

    // [0.0.2] a restarted node keeps its NodeID; a restarted registry still knows every binding.
    await nodes[0].stop()
    await registry.stop()
    const registry2 = await startRegistry(
      join(tmp.path, 'registry'),
      FAST,
      registry.info.listen[0].split('/p2p/')[0],
    )
    assert.equal(registry2.info.peerId, registry.info.peerId, 'the registry kept its identity')
    assert.equal((await status(registry2.info.admin)).nodes, 5)
    const n1 = await startNode(join(tmp.path, 'n1'), registry2.info.listen[0], FAST)
    const again = await eventually('restarted node registered', async () => {
      const s = await status(n1.info.admin)
      return s.nodeId !== null && s.registry.registered && s
    })
    assert.equal(again.nodeId, statuses[0].nodeId)
    assert.equal((await status(registry2.info.admin)).nodes, 5, 're-registration created no new binding')
    // Nodes that kept running reconnect to the restarted registry by themselves and are live again.
    await eventually('surviving nodes live again at the restarted registry', async () => {
      const s = await status(registry2.info.admin)
      return s.liveNodes === 4
    })
  })
})
