/**
 * Neighbours and keep-alives as real processes on 127.0.0.1 (seed row 0.0.4): five nodes see
 * their neighbours alive with RTTs; a node killed with SIGKILL is marked dead within 3T; once
 * restarted it is reconnected without operator action. Timers are short (T = 1 s) through
 * the environment; the logic is the production one.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { BIN, eventually, startNode, startRegistry, status, stopAll, tempDir } from '../helpers/procs.js'

const run = promisify(execFile)
const T = 1
const FAST = {
  XLATTICE_NODE_HEARTBEAT_SEC: '1',
  XLATTICE_NODE_NEIGHBOUR_REFRESH_SEC: '1',
  XLATTICE_NODE_PING_INTERVAL_SEC: String(T),
  XLATTICE_NODE_DEAD_AFTER_MISSES: '3',
  XLATTICE_NODE_RECONNECT_MAX_SEC: '2',
  // Long enough that the registry still lists the killed node while the others notice it.
  XLATTICE_REGISTRY_HEARTBEAT_TTL_SEC: '20',
  XLATTICE_REGISTRY_NONCE_RETENTION_SEC: '120',
}

describe('neighbours and keep-alives as processes', function () {
  this.timeout(90_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  before(async () => {
    tmp = await tempDir('xl-nb-')
  })
  after(async () => {
    await stopAll()
    await tmp.remove()
  })

  it('[0.0.4] five nodes keep their neighbours alive with RTTs; a killed one is dead within 3T and reconnected after restart', async () => {
    const registry = await startRegistry(join(tmp.path, 'registry'), FAST)
    const reg = registry.info.listen[0]
    const dirs = [1, 2, 3, 4, 5].map((i) => join(tmp.path, `n${i}`))
    const nodes = await Promise.all(dirs.map((d) => startNode(d, reg, FAST)))
    const statuses = await eventually('every node sees 4 neighbours alive with RTTs', async () => {
      const all = await Promise.all(nodes.map((n) => status(n.info.admin)))
      const ok = all.every(
        (s) =>
          s.nodeId !== null &&
          s.neighbours.length === 4 &&
          s.neighbours.every(
            (n: any) => n.alive === true && typeof n.rttMs === 'number' && n.lastSeen !== null,
          ),
      )
      return ok && all
    })
    for (const s of statuses) {
      for (const n of s.neighbours) {
        assert.deepEqual(Object.keys(n).sort(), [
          'addrs',
          'alive',
          'lastSeen',
          'missed',
          'nodeId',
          'peerId',
          'rttMs',
        ])
        assert.ok(n.rttMs >= 0 && n.rttMs < 1000, `RTT ${n.rttMs} ms on loopback`)
      }
    }
    // The keep-alives continue: last-seen moves on while nobody asks for anything.
    const before = statuses[0].neighbours[0].lastSeen
    await eventually('last-seen advances with each ping', async () => {
      const s = await status(nodes[0].info.admin)
      return s.neighbours.find((n: any) => n.nodeId === statuses[0].neighbours[0].nodeId)?.lastSeen > before
    })

    // `xlattice ping NODEID` through the admin endpoint measures an RTT by NodeID.
    const { stdout } = await run(process.execPath, [
      BIN,
      'ping',
      statuses[2].nodeId,
      '--admin',
      nodes[0].info.admin,
      '--json',
    ])
    const pinged = JSON.parse(stdout)
    assert.equal(pinged.nodeId, statuses[2].nodeId)
    assert.equal(pinged.peerId, statuses[2].peerId)
    assert.equal(typeof pinged.rttMs, 'number')

    // kill -9: the four others mark it dead within 3T of the kill.
    const victim = statuses[4]
    const killedAt = Date.now()
    await nodes[4].kill()
    await eventually(
      'the killed node is dead in every other table',
      async () => {
        const all = await Promise.all(nodes.slice(0, 4).map((n) => status(n.info.admin)))
        return all.every((s) => s.neighbours.find((n: any) => n.nodeId === victim.nodeId)?.alive === false)
      },
      10_000,
    )
    const detectedMs = Date.now() - killedAt
    // Measured from outside, so it includes the polling interval and four status requests.
    assert.ok(
      detectedMs <= 3 * T * 1000,
      `marked dead ${detectedMs} ms after the kill (3T = ${3 * T * 1000} ms)`,
    )
    const seen = await status(nodes[0].info.admin)
    const dead = seen.neighbours.find((n: any) => n.nodeId === victim.nodeId)
    assert.ok(dead.missed >= 3, `missed ${dead.missed} pings`)

    // Restarted (on a new port): the others reconnect by themselves, and it sees them too.
    const again = await startNode(dirs[4], reg, FAST)
    const back = await eventually(
      'the restarted node is alive again everywhere',
      async () => {
        const all = await Promise.all([...nodes.slice(0, 4), again].map((n) => status(n.info.admin)))
        const others = all.slice(0, 4).every((s) => {
          const n = s.neighbours.find((x: any) => x.nodeId === victim.nodeId)
          return n?.alive === true && n.missed === 0 && typeof n.rttMs === 'number'
        })
        const itself = all[4].neighbours.length === 4 && all[4].neighbours.every((n: any) => n.alive)
        return others && itself && all
      },
      20_000,
    )
    assert.equal(back[4].nodeId, victim.nodeId, 'same NodeID after the restart')
    assert.notDeepEqual(back[4].listen, victim.listen, 'it came back on another port')
  })
})
