/**
 * The pure rules of replacing a dead cluster member (gateway/cluster/replacement.ts): when a
 * member counts as dead here, who coordinates, which free node is asked first, what a valid
 * swap is, when approvals reach a quorum, and the one-next-set-per-set hold.
 */
import assert from 'node:assert/strict'
import { randomBytes, sha256 } from '../../../../lib/crypto.js'
import { compareBytes, fromHex, toHex } from '../../../../lib/encoding.js'
import {
  ApprovalCollector,
  candidateOrder,
  checkSwap,
  coordinatorRank,
  judge,
  Liveness,
  mayApprove,
  ReplaceHolds,
  replacedMembers,
  shouldCoordinate,
} from '../../../../gateway/cluster/replacement.js'
import { sortMembers } from '../../../../gateway/registry/cluster-binding.js'
import type { ClusterMember } from '../../../../gateway/registry/registry.pb.js'

const member = (): ClusterMember => ({ nodeId: randomBytes(32), sigPublicKey: randomBytes(32) })
const id = (m: ClusterMember) => toHex(m.nodeId)

describe('cluster replacement rules', () => {
  it('[0.1.0] a member is dead after replaceAfterMs unreachable here; reaching it once clears the count', () => {
    const l = new Liveness()
    const x = toHex(randomBytes(32))
    l.observe(x, false, 1000)
    l.observe(x, false, 5000)
    assert.deepEqual(judge(l, x, 5000, 10_000), { unreachable: true, forMs: 4000, dead: false })
    assert.equal(judge(l, x, 11_000, 10_000).dead, true)
    assert.equal(judge(l, x, 11_000, 0).dead, false, '0 = never automatically')
    l.observe(x, true, 11_500)
    assert.deepEqual(judge(l, x, 30_000, 10_000), { unreachable: false, forMs: 0, dead: false })
    l.observe(x, false, 31_000)
    assert.equal(judge(l, x, 40_000, 10_000).dead, false, 'the count starts again')
    l.keep([])
    assert.equal(l.reachable(x), true, 'non-members are forgotten')
  })

  it('[0.1.0] never approves replacing a member it reaches; an operator needs only that it is unreachable', () => {
    const live = { unreachable: false, forMs: 0, dead: false }
    const reaches = { ok: false, why: 'this member reaches it', notYet: false }
    assert.deepEqual(mayApprove(live, true, 10_000), reaches)
    assert.deepEqual(mayApprove(live, false, 10_000), reaches)
    const brief = { unreachable: true, forMs: 3000, dead: false }
    assert.deepEqual(mayApprove(brief, false, 10_000), {
      ok: false,
      why: 'unreachable here for 3 s, not yet 10 s',
      notYet: true,
    })
    assert.deepEqual(mayApprove(brief, true, 10_000), { ok: true })
    const off = mayApprove(brief, false, 0) as { why: string; notYet: boolean }
    assert.match(off.why, /automatic replacement is off/)
    assert.equal(off.notYet, false)
    assert.deepEqual(mayApprove(brief, true, 0), { ok: true })
    assert.deepEqual(mayApprove({ unreachable: true, forMs: 10_000, dead: true }, false, 10_000), {
      ok: true,
    })
  })

  it('[0.1.0] the live member with the lowest key coordinates first, the next one a hold later', () => {
    const ms = sortMembers([member(), member(), member(), member()])
    const dead = ms[0]
    const live = (m: ClusterMember) => m !== dead
    assert.equal(coordinatorRank(ms[1].sigPublicKey, ms, live), 0, 'the dead lowest does not count')
    assert.equal(coordinatorRank(ms[3].sigPublicKey, ms, live), 2)
    assert.equal(coordinatorRank(randomBytes(32), ms, live), -1)
    // Rank 0 at replaceAfter, rank 1 a rankDelay later; never with automatic replacement off.
    assert.equal(shouldCoordinate(0, 9_999, 10_000, 5000), false)
    assert.equal(shouldCoordinate(0, 10_000, 10_000, 5000), true)
    assert.equal(shouldCoordinate(1, 10_000, 10_000, 5000), false)
    assert.equal(shouldCoordinate(1, 15_000, 10_000, 5000), true)
    assert.equal(shouldCoordinate(0, 1e9, 0, 5000), false)
    assert.equal(shouldCoordinate(-1, 1e9, 10_000, 5000), false)
    // A grace lets the others' counts, started a little later, reach replaceAfter too.
    assert.equal(shouldCoordinate(0, 10_000, 10_000, 5000, 2000), false)
    assert.equal(shouldCoordinate(0, 12_000, 10_000, 5000, 2000), true)
  })

  it('[0.1.0] candidates are ranked by SHA-256(clusterId || NodeID): the same order everywhere, per cluster', () => {
    const ids = Array.from({ length: 8 }, () => toHex(randomBytes(32)))
    const cluster = randomBytes(32)
    const order = candidateOrder(cluster, ids)
    assert.deepEqual(candidateOrder(cluster, [...ids].reverse()), order, 'input order does not matter')
    assert.deepEqual(candidateOrder(cluster, [...ids, ids[0]]), order, 'duplicates once')
    const hashes = order.map((x) => sha256(cluster, fromHex(x)))
    for (let i = 1; i < hashes.length; i++) assert.ok(compareBytes(hashes[i - 1], hashes[i]) < 0)
    // Another cluster spreads the choice differently (with 8 nodes, the same first is 1 in 8).
    const firsts = new Set(Array.from({ length: 16 }, () => candidateOrder(randomBytes(32), ids)[0]))
    assert.ok(firsts.size > 1)
  })

  it('[0.1.7] a replacement swaps exactly the dead member for one outsider, in canonical order', () => {
    const current = sortMembers([member(), member(), member(), member()])
    const dead = current[2]
    const fresh = member()
    const next = replacedMembers(current, dead.nodeId, fresh)
    assert.deepEqual(next, sortMembers(next))
    assert.equal(next.length, 4)
    assert.deepEqual(checkSwap(current, next, dead.nodeId), { added: fresh })

    const problem = (n: ClusterMember[], d = dead.nodeId) =>
      (checkSwap(current, n, d) as { problem: string }).problem
    assert.match(problem(next, randomBytes(32)), /is not a member/)
    assert.match(problem([...next, member()]), /another size/)
    assert.match(problem(replacedMembers(current, current[0].nodeId, fresh)), /not replace exactly the dead/)
    assert.match(problem(current), /already a member/, 'no change')
    const twoNew = replacedMembers(replacedMembers(current, dead.nodeId, fresh), current[0].nodeId, member())
    assert.match(problem(twoNew), /not replace exactly/)
    const sameKey = { nodeId: randomBytes(32), sigPublicKey: current[0].sigPublicKey }
    const withKeyOfMember = sortMembers([...current.filter((m) => m !== dead), sameKey])
    assert.match(problem(withKeyOfMember), /already a member|not replace exactly/)
    const dup = sortMembers([
      ...current.filter((m) => m !== dead),
      { ...dead, sigPublicKey: randomBytes(32) },
    ])
    assert.match(problem(dup), /already a member/, 'the dead NodeID under a new key')
    assert.equal(id(next.find((m) => m === fresh)!), id(fresh))
  })

  it('[0.1.7] approvals reach a quorum at more than 2/3 of the current members; refusals can make it impossible', () => {
    const keys = ['a', 'b', 'c', 'd']
    const c = new ApprovalCollector<string>(keys)
    assert.equal(c.needed, 3)
    c.approve('a', 'sig-a')
    c.approve('b', 'sig-b')
    c.approve('b', 'again')
    c.approve('x', 'stranger')
    assert.equal(c.state, 'collecting')
    assert.deepEqual(c.approvals, ['sig-a', 'sig-b'])
    c.approve('c', 'sig-c')
    assert.equal(c.state, 'quorum')

    const d = new ApprovalCollector<string>(keys)
    d.approve('a', 'sig-a')
    d.refuse('b', 'reaches it')
    assert.equal(d.state, 'collecting', 'c and d could still approve')
    d.refuse('c', 'holding another')
    assert.equal(d.state, 'failed')
    d.approve('b', 'late')
    assert.equal(d.approvals.length, 1, 'a member that refused does not count')
    assert.deepEqual(
      d.refusals.map((r) => r.member),
      ['b', 'c'],
    )
    const seven = new ApprovalCollector<number>(['1', '2', '3', '4', '5', '6', '7'])
    assert.equal(seven.needed, 5)
  })

  it('[0.1.7] a member holds one next set per current set until the hold lapses', () => {
    const h = new ReplaceHolds(10_000)
    assert.deepEqual(h.take('set', 'next-1', 0), { ok: true })
    assert.deepEqual(h.take('set', 'next-1', 5000), { ok: true }, 'the same again (a retry) is fine')
    assert.deepEqual(h.take('set', 'next-2', 9000), { ok: false, holding: 'next-1' })
    assert.deepEqual(h.take('other-set', 'next-2', 9000), { ok: true })
    assert.deepEqual(h.take('set', 'next-2', 15_001), { ok: true }, 'renewed at 5000, lapsed at 15000')
    h.release('set')
    assert.deepEqual(h.take('set', 'next-3', 15_002), { ok: true })
  })
})
