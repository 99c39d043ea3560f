/**
 * The driver's acceptance: four real `xlattice validator` processes over libp2p commit 1,000
 * operations; the current proposer is killed with SIGKILL while operations are in flight and
 * commits go on; restarted, it catches up; all four then hold the same blocks and state root,
 * and every operation acknowledged as committed is in every validator's state.
 */
import assert from 'node:assert/strict'
import { randomBytes } from '../../lib/crypto.js'
import { toHex } from '../../lib/encoding.js'
import { putOp } from '../../gateway/consensus/driver/index.js'
import { eventually, stopAll, tempDir, xlattice } from '../helpers/procs.js'
import { Cluster, call } from './consensus-cluster.js'

const OPS = 1000
const WORKERS = 16

interface Acked {
  key: Uint8Array
  value: Uint8Array
  height: number
}

describe('consensus: four validator processes', function () {
  this.timeout(150_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let cluster: Cluster
  before(async () => {
    tmp = await tempDir('xl-bft-')
    cluster = await Cluster.create(tmp.path, 4, (args, env) => xlattice(args, env), { proposeTimeoutMs: 500 })
  })
  after(async () => {
    await stopAll()
    await tmp?.remove()
  })

  it('[bft] commit 1,000 operations through a kill -9 of the proposer; the restarted validator catches up to the same state', async () => {
    await eventually('a first block on every validator', async () => {
      const s = await Promise.all([0, 1, 2, 3].map((i) => cluster.status(i)))
      return s.every((x) => (x.lastCommit?.height ?? 0) >= 1)
    })

    const acked: Acked[] = []
    let next = 0
    let killed: number | undefined
    let killing = false
    let ackedAtKill = 0
    let killedAt = 0
    const firstAckAfterKill: number[] = []
    const submitOne = async (i: number): Promise<void> => {
      const key = new TextEncoder().encode(`key-${i}`)
      const value = randomBytes(16)
      const op = putOp(key, value)
      for (let attempt = 0; ; attempt++) {
        // Any running validator will do; a refused or broken request is retried at another.
        const live = cluster.running()
        const m = live[(i + attempt) % live.length]
        try {
          const r = await call(
            m.proc!.info.admin,
            'POST',
            '/consensus/submit',
            op,
            'application/octet-stream',
          )
          if (r.status === 200) {
            acked.push({ key, value, height: r.body.height })
            if (killed !== undefined && firstAckAfterKill.length === 0)
              firstAckAfterKill.push(Date.now() - killedAt)
            return
          }
        } catch {}
        if (attempt > 50) throw new Error(`operation ${i} not committed after ${attempt} attempts`)
        await new Promise((r) => setTimeout(r, 50))
      }
    }
    const worker = async () => {
      while (next < OPS) {
        const i = next++
        await submitOne(i)
        if (!killing && acked.length >= 300) {
          // The proposer of the round in progress, while the other workers keep submitting.
          killing = true
          const s = await cluster.status(0)
          const victim = cluster.members.findIndex((m) => m.peerId === s.proposer)
          ackedAtKill = acked.length
          killedAt = Date.now()
          await cluster.kill(victim)
          killed = victim
        }
      }
    }
    const started = Date.now()
    await Promise.all(Array.from({ length: WORKERS }, worker))
    assert.equal(acked.length, OPS)
    assert.ok(killed !== undefined && killed >= 0, 'a proposer was killed')
    assert.ok(acked.length - ackedAtKill >= 600, 'commits went on after the kill')
    const loadSeconds = (Date.now() - started) / 1000

    // Restart the killed validator on its data directory; it fetches what it missed.
    await cluster.start(killed)
    const top = Math.max(...acked.map((a) => a.height))
    await eventually(
      'the restarted validator to catch up',
      async () => ((await cluster.status(killed!)).lastCommit?.height ?? 0) >= top,
      60_000,
    )
    const restarted = await cluster.status(killed)
    assert.ok(restarted.catchUp.fetched >= 1, 'it fetched committed blocks')

    // Same blocks and state roots everywhere, at the top acknowledged height and at the tip.
    const blockAt = async (i: number, h: number) =>
      (await call(cluster.admin(i), 'GET', `/consensus/block?height=${h}`)).body
    for (const h of [top]) {
      const blocks = await Promise.all([0, 1, 2, 3].map((i) => blockAt(i, h)))
      assert.equal(new Set(blocks.map((b) => b.blockHash)).size, 1, `one block at ${h}`)
      assert.equal(new Set(blocks.map((b) => b.stateRoot)).size, 1, `one state root after ${h}`)
    }
    const tip = await eventually('every validator past the restart', async () => {
      const heights = await Promise.all(
        [0, 1, 2, 3].map(async (i) => (await cluster.status(i)).lastCommit?.height ?? 0),
      )
      const h = Math.min(...heights)
      return h > top && h
    })
    const roots = await Promise.all([0, 1, 2, 3].map(async (i) => (await blockAt(i, tip)).stateRoot))
    assert.equal(new Set(roots).size, 1, `identical state roots at height ${tip}: ${roots}`)

    // No acknowledged operation is lost, on any validator (the restarted one included).
    let checked = 0
    const queue = acked.flatMap((a) => [0, 1, 2, 3].map((i) => ({ a, i })))
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        for (let job = queue.pop(); job !== undefined; job = queue.pop()) {
          const r = await call(cluster.admin(job.i), 'GET', `/consensus/kv?key=${toHex(job.a.key)}`)
          assert.equal(
            r.status,
            200,
            `key ${new TextDecoder().decode(job.a.key)} missing on validator ${job.i}`,
          )
          assert.equal(r.body.valueHex, toHex(job.a.value))
          checked++
        }
      }),
    )
    assert.equal(checked, OPS * 4)
    const status = await cluster.status(0)
    process.stdout.write(
      `      ${OPS} ops in ${loadSeconds.toFixed(1)} s (${((killedAt - started) / 1000).toFixed(1)} s before the kill); killed validator ${killed} (proposer) after ${ackedAtKill} acks; ` +
        `first ack after the kill in ${firstAckAfterKill[0]} ms; tip ${tip}; dropped ${JSON.stringify(status.dropped)}\n`,
    )
  })
})
