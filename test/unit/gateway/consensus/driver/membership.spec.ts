/**
 * Membership changes: an approved change committed at height h takes effect at h + 1, and an
 * outsider holding only the genesis set follows it from the stored certified headers; a change
 * without a quorum of approvals is committed as rejected and changes nothing.
 */
import assert from 'node:assert/strict'
import { toHex } from '../../../../../lib/encoding.js'
import {
  approveMembership,
  encodeMembershipOp,
  membershipNextSet,
  putOp,
} from '../../../../../gateway/consensus/driver/index.js'
import { DEFAULT_LIMITS, verifyCertificateChain } from '../../../../../gateway/consensus/index.js'
import { CHAIN, setOf, signers } from '../fixtures.js'
import { Hub, type Member, startMember, until } from './cluster.js'

const utf8 = (s: string) => new TextEncoder().encode(s)
const keys = signers(5, 'members')
const genesis = setOf(keys.slice(0, 4))
const grown = setOf(keys)

describe('consensus driver: membership changes', () => {
  let members: Member[] = []
  afterEach(async () => {
    for (const m of members) await m.driver.stop()
    members = []
  })

  it('needs approvals from a quorum of the current set, for exactly that set', () => {
    const approvals = keys.slice(0, 3).map((k) => approveMembership(k, CHAIN, genesis, grown))
    const ok = encodeMembershipOp(genesis, grown, approvals)
    assert.equal(toHex(membershipNextSet(CHAIN, genesis, ok, DEFAULT_LIMITS)!.hash), toHex(grown.hash))
    assert.equal(
      membershipNextSet(
        CHAIN,
        genesis,
        encodeMembershipOp(genesis, grown, approvals.slice(0, 2)),
        DEFAULT_LIMITS,
      ),
      null,
    )
    assert.equal(membershipNextSet(CHAIN, grown, ok, DEFAULT_LIMITS), null, 'bound to the set it replaces')
    assert.equal(
      membershipNextSet(utf8('x'.repeat(32)), genesis, ok, DEFAULT_LIMITS),
      null,
      'bound to the chain',
    )
    const outsider = approveMembership(keys[4], CHAIN, genesis, grown)
    const forged = { ...approvals[0], signature: outsider.signature }
    assert.equal(
      membershipNextSet(
        CHAIN,
        genesis,
        encodeMembershipOp(genesis, grown, [forged, ...approvals.slice(1)]),
        DEFAULT_LIMITS,
      ),
      null,
    )
  })

  it('[bft] an approved change takes effect at the next height and a light client follows it from genesis', async () => {
    const hub = new Hub()
    members = await Promise.all(keys.map((k) => startMember(hub, genesis, k)))
    const newcomer = members[4]
    assert.equal(newcomer.driver.status().validator, false)

    const weak = encodeMembershipOp(genesis, grown, [approveMembership(keys[0], CHAIN, genesis, grown)])
    const rejectedAt = await members[0].driver.submissions.submit(weak)
    await until('the rejected change to be past', () => members[0].driver.core.height > rejectedAt + 1)
    assert.equal(members[0].driver.validators.validators.length, 4, 'one approval changes nothing')

    const approvals = keys.slice(0, 3).map((k) => approveMembership(k, CHAIN, genesis, grown))
    const h = await members[1].driver.submissions.submit(encodeMembershipOp(genesis, grown, approvals))
    await until('the newcomer to be a validator', () => newcomer.driver.status().validator)
    assert.equal(toHex(members[0].driver.validators.hash), toHex(grown.hash))

    // With one of the four gone, a quorum of five (4) needs the newcomer's votes.
    await members[3].driver.stop()
    const live = [0, 1, 2, 4].map((i) => members[i])
    const at = await live[0].driver.submissions.submit(putOp(utf8('after'), utf8('change')))
    const value = await until('the newcomer to commit it', () => newcomer.app.get(utf8('after')))
    assert.deepEqual(value, utf8('change'))

    const changes = await live[0].driver.chain.changes()
    assert.deepEqual(
      changes.map((c) => c.header.height),
      [h],
    )
    const target = await live[0].driver.chain.committed(at)
    const cert = (await live[0].driver.chain.blocks(at, 1, 1 << 20))[0]
    assert.ok(target !== undefined && cert !== undefined)
    const { decodeCertificate } = await import('../../../../../gateway/consensus/index.js')
    const c = decodeCertificate(cert.certificate, DEFAULT_LIMITS)
    assert.ok(c.ok)
    const chain = verifyCertificateChain(genesis, changes, {
      header: target.block.header,
      certificate: c.value,
    })
    assert.ok(chain.ok, chain.ok ? '' : `${chain.reason} at ${chain.at}`)
    assert.equal(toHex(chain.validators.hash), toHex(grown.hash))
    assert.equal(chain.fromHeight, h + 1)
    assert.equal(
      verifyCertificateChain(genesis, [], { header: target.block.header, certificate: c.value }).ok,
      false,
    )
  })
})
