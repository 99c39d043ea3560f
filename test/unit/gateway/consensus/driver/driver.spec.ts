import assert from 'node:assert/strict'
import { toHex } from '../../../../../lib/encoding.js'
import { putOp } from '../../../../../gateway/consensus/driver/index.js'
import { consensusFrame, opsFrame, statusFrame } from '../../../../../gateway/consensus/driver/wire.js'
import { randomBytes } from '../../../../../lib/crypto.js'
import { setOf, signers } from '../fixtures.js'
import { committed, Hub, type Member, startMember, until } from './cluster.js'

const utf8 = (s: string) => new TextEncoder().encode(s)
const keys = signers(4, 'driver')
const genesis = setOf(keys)

describe('consensus driver: four in-process validators', () => {
  let members: Member[] = []
  afterEach(async () => {
    for (const m of members) await m.driver.stop()
    members = []
  })

  it('[bft] commits operations submitted at any validator, acknowledges them with their height, same roots', async () => {
    const hub = new Hub()
    members = await Promise.all(keys.map((k) => startMember(hub, genesis, k)))
    const ops = Array.from({ length: 200 }, (_, i) => putOp(utf8(`k${i}`), utf8(`v${i}`)))
    const heights = await Promise.all(ops.map((op, i) => members[i % 4].driver.submissions.submit(op)))
    assert.ok(heights.every((h) => h >= 1))
    const top = Math.max(...heights)
    await until('every validator at the top height', () => committed(members) >= top)
    const roots = members.map((m) => toHex(m.app.stateRoot(top)))
    assert.equal(new Set(roots).size, 1, 'identical state roots')
    for (const m of members) {
      await m.driver.written()
      for (let i = 0; i < ops.length; i += 37) assert.deepEqual(await m.app.get(utf8(`k${i}`)), utf8(`v${i}`))
    }
    assert.ok(top < 100, `200 operations batched into ${top} blocks`)
  })

  it('[bft] drops junk frames, junk messages and input from non-validators, counting each, and keeps committing', async () => {
    const hub = new Hub()
    members = await Promise.all(keys.map((k) => startMember(hub, genesis, k)))
    const target = members[0]
    // The hub lets a stranger in as it would any libp2p peer.
    hub.handlers.set('stranger', { frame: () => {}, connected: () => {}, dropped: () => {} })
    const from = [members[1].peerId, 'stranger']
    for (let i = 0; i < 2000; i++) {
      const peer = from[Math.floor(i / 4) % 2]
      const junk = randomBytes(1 + (i % 300))
      const frames = [
        junk,
        consensusFrame([junk]),
        opsFrame([new Uint8Array([1, 0, 0])]),
        statusFrame({ height: 0, round: i }),
      ]
      hub.deliver(peer, target.peerId, frames[i % frames.length])
    }
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => members[i % 4].driver.submissions.submit(utf8(`after${i}`))),
    )
    const d = target.driver.status().dropped
    assert.ok(d.frameMalformed > 0, 'undecodable envelopes')
    assert.ok(d.malformed > 0, 'undecodable consensus messages from a validator')
    assert.ok(d.notValidator > 0, 'consensus input from a stranger')
    assert.ok(d.opInvalid > 0, 'malformed operations from a validator')
  })

  it('[bft] a lone validator decides within the submit itself, and still acknowledges it', async () => {
    const [key] = signers(1, 'alone')
    members = [await startMember(new Hub(), setOf([key]), key, undefined, { emptyBlockIntervalMs: 60_000 })]
    for (let i = 0; i < 3; i++) {
      // Idle and ready for the next height: the submit starts it, and decides it, synchronously.
      await new Promise((r) => setTimeout(r, 20))
      const height = await Promise.race([
        members[0].driver.submissions.submit(utf8(`solo${i}`)),
        new Promise((r) => setTimeout(() => r('no acknowledgement'), 2000)),
      ])
      assert.equal(height, i + 2)
    }
  })
})
