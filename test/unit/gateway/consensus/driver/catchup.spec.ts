/**
 * Catch-up: a validator that is behind fetches committed blocks with their certificates and
 * verifies them before deciding; a block whose certificate is forged, short of a quorum or for
 * another block is dropped (counted `badCertificate`) and the chain does not move.
 */
import assert from 'node:assert/strict'
import { toHex } from '../../../../../lib/encoding.js'
import { MemoryStore } from '../../../../../lib/store/index.js'
import { Frame } from '../../../../../gateway/consensus/driver/bft.pb.js'
import { KvApp, putOp } from '../../../../../gateway/consensus/driver/index.js'
import { responseFrame, statusFrame } from '../../../../../gateway/consensus/driver/wire.js'
import { encodeCertificate } from '../../../../../gateway/consensus/index.js'
import { buildBlock, CHAIN, certificate, setOf, signers } from '../fixtures.js'
import { committed, Hub, type Member, startMember, until } from './cluster.js'

const utf8 = (s: string) => new TextEncoder().encode(s)
const keys = signers(4, 'catchup')
const genesis = setOf(keys)
const genesisRoot = new KvApp(new MemoryStore(), { chainId: CHAIN }).stateRoot(0)

describe('consensus driver: catch-up', () => {
  let members: Member[] = []
  afterEach(async () => {
    for (const m of members) await m.driver.stop()
    members = []
  })

  it('[bft] a validator started late fetches the committed blocks, verifies them and rejoins', async () => {
    const hub = new Hub()
    members = await Promise.all(keys.slice(0, 3).map((k) => startMember(hub, genesis, k)))
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        members[i % 3].driver.submissions.submit(putOp(utf8(`a${i}`), utf8('1'))),
      ),
    )
    // Idle blocks come every 100 ms here: let the chain grow a few more.
    const behind = await until(
      'height 6',
      () => members[0].driver.chain.height >= 6 && members[0].driver.chain.height,
    )
    const late = await startMember(hub, genesis, keys[3])
    members.push(late)
    await until('the late validator to catch up', () => late.driver.chain.height >= behind)
    assert.ok(late.driver.status().catchUp.fetched >= 1, 'blocks came by catch-up')
    // Rejoined: it votes, so the three others keep committing even with one of them gone.
    await members[0].driver.stop()
    const rest = members.slice(1)
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        rest[i % 3].driver.submissions.submit(putOp(utf8(`b${i}`), utf8('2'))),
      ),
    )
    const top = Math.max(...rest.map((m) => m.driver.chain.height))
    await until('the three at one height', () => committed(rest) >= top)
    assert.equal(new Set(rest.map((m) => toHex(m.app.stateRoot(top)))).size, 1)
    assert.deepEqual(await until('a7 at the late validator', () => late.app.get(utf8('a7'))), utf8('1'))
  })

  const b1 = buildBlock({
    set: genesis,
    height: 1,
    round: 0,
    stateRoot: genesisRoot,
    operations: [putOp(utf8('k'), utf8('v'))],
  })
  const forged = {
    'signed by keys outside the set': certificate(signers(4, 'impostor'), [0, 1, 2], 1, 0, b1.hash),
    'short of a quorum': certificate(keys, [0, 1], 1, 0, b1.hash),
    'for another block': certificate(
      keys,
      [0, 1, 2],
      1,
      0,
      buildBlock({ set: genesis, height: 1, round: 0 }).hash,
    ),
  }
  for (const [what, cert] of Object.entries(forged)) {
    it(`[bft] refuses a fetched block whose certificate is ${what}`, async () => {
      const { member, served } = await againstServer(encodeCertificate(cert))
      await until('the block to be served', () => served() > 0)
      await until(
        'the fetched block to be refused',
        () => (member.driver.metrics.dropped.badCertificate ?? 0) >= 1,
      )
      assert.equal(member.driver.chain.height, 0)
      assert.equal(await member.app.get(utf8('k')), undefined)
    })
  }

  it('[bft] accepts the same block with a quorum certificate', async () => {
    const { member } = await againstServer(encodeCertificate(certificate(keys, [0, 2, 3], 1, 0, b1.hash)))
    assert.deepEqual(
      await until('the fetched block to be applied', () => member.app.get(utf8('k'))),
      utf8('v'),
    )
  })

  /** One real validator, and a peer claiming height 3 that serves block 1 with `cert`. */
  async function againstServer(cert: Uint8Array) {
    const hub = new Hub()
    const server = toHex(keys[1].publicKey)
    let served = 0
    hub.handlers.set(server, {
      frame: (_from, bytes, reply) => {
        const f = Frame.decode(bytes)
        if (f.blocksRequest === undefined) return
        served++
        reply(
          responseFrame({
            id: f.blocksRequest.id,
            blocks: [{ block: b1.bytes, certificate: cert }],
            height: 3,
          }),
        )
      },
      connected: () => {},
      dropped: () => {},
    })
    const member = await startMember(hub, genesis, keys[0], undefined, { emptyBlockIntervalMs: 60_000 })
    members.push(member)
    hub.deliver(server, member.peerId, statusFrame({ height: 3, round: 0 }))
    return { member, served: () => served }
  }
})
